"""Data keys from key servers: each share of an object asked of a server that holds it, in
batches per server, then XORed (docs/FORMAT.md §4). The Node client's ``keyServerResolver``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ClientError
from .format import Header, combine_shares
from .format.b64 import b64u_encode

if TYPE_CHECKING:
    from .keyserver import KeyServerClient

MAX_BATCH = 100
"""Key requests per ``/v1/rewrap/batch`` request."""


@dataclass(frozen=True)
class ShareAsk:
    """One key request: share ``sid`` of an object, as the entry ``jwe`` wrapped it."""

    header: Header
    sid: int
    jwe: str

    @property
    def core(self) -> str:
        """The object's header core, base64url (what the server checks the share against)."""
        return b64u_encode(self.header.core)


def resolve_data_keys(
    servers: Mapping[str, KeyServerClient], headers: Sequence[Header]
) -> list[bytes]:
    """The data keys of ``headers``, each share asked of a server of ``servers`` (kas id ->
    client) that holds an entry of it. Every share must have a server before any is asked for:
    a share released for an object that cannot be opened would be audited as a release for
    nothing. Each server gets its requests in batches of up to 100, the servers in parallel.

    Raises ClientError ``ERR_CLIENT_CONFIG_INVALID`` when no configured server holds a share,
    and the first failure of a server (its ``KeyServerError``, ``ERR_ACCESS_DENIED`` for any
    denial) otherwise."""
    by_server: dict[str, list[tuple[int, ShareAsk]]] = {}
    for h, header in enumerate(headers):
        n = header.entries[0].n
        for sid in range(1, n + 1):
            entry = next((e for e in header.entries if e.sid == sid and e.kas_id in servers), None)
            if entry is None:
                raise _no_server(header, sid)
            by_server.setdefault(entry.kas_id, []).append((h, ShareAsk(header, sid, entry.jwe)))

    def ask(kas_id: str) -> list[bytes]:
        asks = [a for _, a in by_server[kas_id]]
        client = servers[kas_id]
        shares: list[bytes] = []
        for start in range(0, len(asks), MAX_BATCH):
            shares += client.rewrap_shares(asks[start : start + MAX_BATCH])
        return shares

    kas_ids = list(by_server)
    if len(kas_ids) <= 1:
        answers = [ask(kas_id) for kas_id in kas_ids]
    else:
        with ThreadPoolExecutor(len(kas_ids)) as pool:
            futures = [pool.submit(ask, kas_id) for kas_id in kas_ids]
            answers = [future.result() for future in futures]
    shares: list[dict[int, bytes]] = [{} for _ in headers]
    for kas_id, answer in zip(kas_ids, answers, strict=True):
        for (h, asked), share in zip(by_server[kas_id], answer, strict=True):
            shares[h][asked.sid] = share
    return [combine_shares([s[sid] for sid in sorted(s)]) for s in shares]


def _no_server(header: Header, sid: int) -> ClientError:
    known = ", ".join(sorted({e.kas_id for e in header.entries}))
    split = (
        ": the file is split across two key servers, and reading it needs a client for both"
        if header.entries[0].n == 2
        else ""
    )
    return ClientError(
        "ERR_CLIENT_CONFIG_INVALID",
        f"no configured key server holds share {sid} of this file (its entries name {known})"
        + split,
    )
