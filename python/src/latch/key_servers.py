"""The key servers a client works with: one, or two that split each new file's key between them
(docs/DEPLOYMENT.md "Splitting files across two key servers"), as the Node ``LatchClient``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .errors import ClientError
from .format import Header, ObjectWriter, parse_header
from .format.b64 import b64u_encode
from .keyserver import KeyServerClient
from .policy_claim import split_policy_claim
from .share_resolver import resolve_data_keys

T = TypeVar("T")


class KeyServers:
    """One key server, or two that split each new file's key: share 1 wrapped to ``first``,
    share 2 to ``split_with``, the data key their XOR (docs/FORMAT.md §4). Each server keeps its
    own copy of the file's policy under one id, and decides and audits on its own: a revocation
    or lockdown on either denies the file, and neither server's keys and database alone can
    decrypt it. Reading needs a token each server accepts.

    Reading resolves each share of an object at the configured server its entry names, so a
    client of both reads split files and each server's own files alike.
    """

    def __init__(self, first: KeyServerClient, split_with: KeyServerClient | None = None) -> None:
        self.servers: tuple[KeyServerClient, ...] = (
            (first,) if split_with is None else (first, split_with)
        )

    def __repr__(self) -> str:
        if len(self.servers) == 1:
            return f"KeyServers({self.servers[0]!r})"
        return f"KeyServers({self.servers[0]!r}, split_with={self.servers[1]!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeyServers:
        """The key servers the CLI uses: the two of ``LATCH_SPLIT`` (``URL1,URL2``), server
        ``i``'s token the ``i``-th of ``LATCH_SPLIT_TOKENS`` (``TOKEN1,TOKEN2``), else
        ``LATCH_TOKEN`` when it is ``LATCH_SERVER``; without ``LATCH_SPLIT``, the one of
        ``LATCH_SERVER`` and ``LATCH_TOKEN``."""
        env = os.environ if env is None else env
        split = env.get("LATCH_SPLIT", "")
        if not split:
            return cls(KeyServerClient.from_env(env))
        urls = [url.strip() for url in split.split(",")]
        if len(urls) != 2 or "" in urls or urls[0] == urls[1]:
            raise ClientError(
                "ERR_CLIENT_CONFIG_INVALID",
                f"LATCH_SPLIT takes two different key server URLs, URL1,URL2; got: {split}",
            )
        given = [token.strip() for token in env.get("LATCH_SPLIT_TOKENS", "").split(",")]
        clients = []
        for i, url in enumerate(urls):
            token = given[i] if i < len(given) else ""
            if not token and url == env.get("LATCH_SERVER"):
                token = env.get("LATCH_TOKEN", "")
            if not token:
                raise ClientError(
                    "ERR_CLIENT_CONFIG_INVALID",
                    f"no token for the key server {url}: set LATCH_SPLIT_TOKENS=TOKEN1,TOKEN2",
                )
            clients.append(KeyServerClient(url, token))
        return cls(clients[0], clients[1])

    @property
    def split(self) -> bool:
        """Whether new files are split across two key servers."""
        return len(self.servers) > 1

    def kas_ids(self) -> list[str]:
        """Each server's ``kasId`` (``GET /v1/keys``, cached), in share order. Raises ClientError
        ``ERR_CLIENT_CONFIG_INVALID`` when the two servers of a split share one (the same
        server twice, or one not given its own ``--kas-id``)."""
        ids = [str(server.keys()["kasId"]) for server in self.servers]
        if len(ids) > 1 and ids[0] == ids[1]:
            raise ClientError(
                "ERR_CLIENT_CONFIG_INVALID",
                f'both key servers of the split call themselves "{ids[0]}": a split needs two'
                " servers, each started with its own --kas-id",
            )
        return ids

    # --- reading ---

    def data_key(self, header: Header) -> bytes:
        """The data key of one object (a ``resolve_key`` for the format's readers)."""
        return self.data_keys([header])[0]

    def data_keys(self, headers: Sequence[Header]) -> list[bytes]:
        """The data keys of many objects: each share asked of the server that holds it, in
        batches of up to 100 per server, both servers at once. Raises ClientError
        ``ERR_CLIENT_CONFIG_INVALID`` (before any key request) for an object with a share no
        configured server holds, and the first server's failure otherwise (``KeyServerError``
        ``ERR_ACCESS_DENIED`` for any denial, on either server)."""
        servers = dict(zip(self.kas_ids(), self.servers, strict=True))
        return resolve_data_keys(servers, headers)

    # --- writing ---

    def split_writer(
        self,
        *,
        readers: Sequence[str] = (),
        expires_at: str | None = None,
        bucket: str | None = None,
        key: str | None = None,
    ) -> ObjectWriter:
        """A writer for one new split object, its policy created on both servers under one id
        (from split claims, :mod:`latch.policy_claim`) with the object registered, both requests
        at once. Call it before storing the object: if either server refuses or is down, nothing
        should be stored (the other may keep a policy listing an object never written, which
        governs nothing)."""
        if not self.split:
            raise ClientError("ERR_CLIENT_CONFIG_INVALID", "a split needs two key servers")
        ids = self.kas_ids()
        claim = split_policy_claim((ids[0], ids[1]))
        recipients = [[server.recipient()] for server in self.servers]
        writer = ObjectWriter(claim.policy_id, recipients)
        header = parse_header(writer.header)
        stored: dict[str, str] = {
            "objectId": b64u_encode(header.object_id),
            "coreHash": b64u_encode(header.core_hash),
        }
        if bucket is not None and key is not None:
            stored.update(bucket=bucket, key=key)
        views = self.on_each(
            lambda server, i: server.create_policy(
                readers=readers,
                expires_at=expires_at,
                claim=claim.parts[i],
                stored_object=stored,
            )
        )
        if any(view.get("id") != claim.policy_id for view in views):
            raise ClientError(
                "ERR_CLIENT_RESPONSE_INVALID",
                "the key server created the policy under another id: does it take claims?",
            )
        return writer

    def on_each(self, call: Callable[[KeyServerClient, int], T]) -> list[T]:
        """``call(server, index)`` on every server at once; the answers in share order, or the
        first server's failure (the other request still completes)."""
        if len(self.servers) == 1:
            return [call(self.servers[0], 0)]
        with ThreadPoolExecutor(len(self.servers)) as pool:
            futures = [pool.submit(call, server, i) for i, server in enumerate(self.servers)]
            return [future.result() for future in futures]

    # --- policies ---

    def change(self, apply: Callable[[KeyServerClient], dict[str, Any]]) -> dict[str, Any]:
        """A policy change made on every server, one after the other (as ``latch share --split``
        does); the first server's answer. Stops at the first failure: a denial (revoke, unshare,
        an earlier expiry) made on the first server holds whatever the second answers."""
        answers = [apply(server) for server in self.servers]
        return answers[0]
