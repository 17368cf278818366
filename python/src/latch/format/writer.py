"""Writing objects (docs/FORMAT.md §10)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import argument_invalid
from .b64 import b64u_encode
from .constants import KEY_SIZE, MAX_ENTRIES, MAX_SHARES, OBJECT_ID_SIZE, SALT_SIZE, SEGMENT_SIZE
from .header import KeyEntry, combine_shares, derive_object_keys, encode_core, encode_header
from .jwe import ShareBinding, wrap_share
from .segments import SegmentSealer


@dataclass(frozen=True)
class KeyServerRecipient:
    """A key server a share is wrapped to: its id, key id and raw X25519 public key."""

    kas_id: str
    kid: str
    public_key: bytes


@dataclass(frozen=True)
class WrapMaterial:
    """Fixed randomness of one JWE (known-answer vectors only)."""

    ephemeral_private_key: bytes
    cek: bytes
    iv: bytes


@dataclass(frozen=True)
class ObjectMaterial:
    """Fixed randomness of one object (known-answer vectors only)."""

    object_id: bytes
    salt: bytes
    shares: Sequence[bytes]
    wraps: Sequence[WrapMaterial] | None = None


class ObjectWriter:
    """One object's header and the sealer of its segments. Never reuse a writer for two objects."""

    header: bytes
    entries: tuple[KeyEntry, ...]

    def __init__(
        self,
        policy_id: str,
        shares: Sequence[Sequence[KeyServerRecipient]],
        material: ObjectMaterial | None = None,
    ) -> None:
        count = sum(len(alternatives) for alternatives in shares)
        if (
            not 1 <= len(shares) <= MAX_SHARES
            or any(len(alternatives) == 0 for alternatives in shares)
            or count > MAX_ENTRIES
        ):
            raise argument_invalid("1-2 shares and 1-4 key entries")
        if material is None:
            material = ObjectMaterial(
                os.urandom(OBJECT_ID_SIZE),
                os.urandom(SALT_SIZE),
                [os.urandom(KEY_SIZE) for _ in shares],
            )
        if len(material.shares) != len(shares) or (
            material.wraps is not None and len(material.wraps) != count
        ):
            raise argument_invalid("material does not match the recipients")
        core = encode_core(material.object_id, material.salt, policy_id)
        core_hash = hashlib.sha256(core).digest()
        oid, hc = b64u_encode(material.object_id), b64u_encode(core_hash)
        entries: list[KeyEntry] = []
        for s, alternatives in enumerate(shares):
            for recipient in alternatives:
                wrap = material.wraps[len(entries)] if material.wraps is not None else None
                jwe = wrap_share(
                    material.shares[s],
                    recipient.kid,
                    recipient.public_key,
                    ShareBinding(policy_id, oid, hc, s + 1, len(shares)),
                    ephemeral_private_key=wrap.ephemeral_private_key if wrap else None,
                    cek=wrap.cek if wrap else None,
                    iv=wrap.iv if wrap else None,
                )
                entries.append(KeyEntry(s + 1, len(shares), recipient.kas_id, jwe))
        keys = derive_object_keys(combine_shares(list(material.shares)), material.salt, core_hash)
        self.header = encode_header(core, entries, keys)
        self.entries = tuple(entries)
        self.policy_id = policy_id
        self._sealer = SegmentSealer(keys.payload_key)

    def __repr__(self) -> str:
        return f"ObjectWriter(policy_id={self.policy_id!r})"

    def seal_segment(
        self, index: int, plaintext: bytes | bytearray | memoryview, final: bool
    ) -> bytes:
        """Seals segment ``index`` (thread-safe: segments may be sealed in parallel)."""
        return self._sealer.seal(index, plaintext, final)

    def seal_segment_into(
        self, index: int, plaintext: bytes | bytearray | memoryview, final: bool, out: memoryview
    ) -> int:
        """As :meth:`seal_segment`, written at the start of ``out``; returns the bytes written."""
        return self._sealer.seal_into(index, plaintext, final, out)

    def encrypt_chunks(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The whole object, header first, for plaintext given in chunks of any size. A full
        segment is sealed once more data shows it is not the final one."""
        yield self.header
        pending = bytearray()  # a partial segment
        full: bytes | memoryview | None = None  # a full segment not known to be non-final yet
        index = 0
        for chunk in chunks:
            view = memoryview(chunk)
            while len(view) > 0:
                if full is not None:
                    yield self.seal_segment(index, full, False)
                    index += 1
                    full = None
                if pending or len(view) < SEGMENT_SIZE:
                    take = SEGMENT_SIZE - len(pending)
                    pending += view[:take]
                    view = view[take:]
                    if len(pending) == SEGMENT_SIZE:
                        full = bytes(pending)
                        pending.clear()
                else:
                    full = view[:SEGMENT_SIZE]
                    view = view[SEGMENT_SIZE:]
        if full is not None:
            yield self.seal_segment(index, full, False)
            index += 1
        yield self.seal_segment(index, bytes(pending), True)

    def encrypt_file(self, source: BinaryIO) -> Iterator[bytes]:
        """The whole object for a readable binary file, one segment in memory at a time."""
        yield self.header
        index = 0
        current = _read_full(source, SEGMENT_SIZE)
        while len(current) == SEGMENT_SIZE:
            following = _read_full(source, SEGMENT_SIZE)
            yield self.seal_segment(index, current, False)
            index += 1
            current = following
        yield self.seal_segment(index, current, True)


def _read_full(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = source.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def encrypt_bytes(
    plaintext: bytes,
    policy_id: str,
    shares: Sequence[Sequence[KeyServerRecipient]],
) -> bytes:
    """Encrypts a whole plaintext in memory."""
    return b"".join(ObjectWriter(policy_id, shares).encrypt_chunks([plaintext]))
