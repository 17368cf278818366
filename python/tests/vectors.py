"""The committed test vectors (packages/testkit/vectors) and a harness that plays their key
servers, as packages/testkit/src/key-servers.ts does for the Node runner."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from latch.errors import decrypt_failed
from latch.format import Header, KeyResolver, combine_shares, open_share, parse_compact_jwe

VECTORS = Path(__file__).resolve().parents[2] / "packages" / "testkit" / "vectors"
_BASE = bytes(range(251)) * 300


def load_keys() -> list[dict[str, str]]:
    keys: list[dict[str, str]] = json.loads((VECTORS / "keys.json").read_text())
    return keys


def load(kind: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((VECTORS / kind).glob("*.json"))]


def pattern(offset: int, length: int) -> bytes:
    """The vectors' plaintext, byte i = i mod 251, bytes [offset, offset + length)."""
    out = bytearray()
    while length > 0:
        take = min(length, 65_536)
        start = offset % 251
        out += _BASE[start : start + take]
        offset += take
        length -= take
    return bytes(out)


def pattern_chunks(length: int, size: int = 1 << 20) -> Iterator[bytes]:
    for offset in range(0, length, size):
        yield pattern(offset, min(size, length - offset))


def object_of(vector: dict[str, Any]) -> bytes:
    return base64.b64decode(vector["object"], validate=True)


def key_server_resolver(keys: list[dict[str, str]], preference: Sequence[str] = ()) -> KeyResolver:
    """Picks one entry per share (preferred key servers first, then header order), opens it with
    that server's private key for its ``kid`` after checking the binding, and XORs the shares."""

    def rank(kas_id: str) -> int:
        return preference.index(kas_id) if kas_id in preference else len(preference)

    def resolve(header: Header) -> bytes:
        n = header.entries[0].n
        shares = []
        for sid in range(1, n + 1):
            candidates = sorted(
                (e for e in header.entries if e.sid == sid), key=lambda e: rank(e.kas_id)
            )
            if not candidates:
                raise decrypt_failed()
            entry = candidates[0]
            jwe = parse_compact_jwe(entry.jwe)
            key = next(
                (k for k in keys if k["kas_id"] == entry.kas_id and k["kid"] == jwe.kid), None
            )
            if key is None:
                raise decrypt_failed()
            shares.append(
                open_share(jwe, bytes.fromhex(key["private_key"]), header.binding(sid, n))
            )
        return combine_shares(shares)

    return resolve


def dek_resolver(dek: bytes) -> KeyResolver:
    return lambda _header: dek
