"""Reading objects (docs/FORMAT.md §7): whole buffers and streams."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..errors import header_invalid
from .constants import HEADER_PREFIX_SIZE
from .header import Header, open_header, parse_header, read_header_size
from .segments import SegmentDecryptor
from .sizes import plaintext_size

KeyResolver = Callable[[Header], bytes]
"""Produces an object's data key from its parsed header (normally by asking key servers)."""


def decrypt_bytes(data: bytes, resolve_key: KeyResolver) -> bytes:
    """Decrypts a whole object in memory: header, size, key, commitment, MAC, every segment.

    Releases nothing unless everything verified.
    """
    header = parse_header(data)
    plaintext_size(len(data), len(header.raw))
    keys = open_header(header, resolve_key(header))
    decryptor = SegmentDecryptor(keys.payload_key)
    out = bytearray()
    for piece in decryptor.push(memoryview(data)[len(header.raw) :]):
        out += piece
    out += decryptor.finish()
    return bytes(out)


def decrypt_chunks(chunks: Iterable[bytes], resolve_key: KeyResolver) -> Iterator[bytes]:
    """Decrypts an object given in chunks of any size, yielding each segment's plaintext only
    after its tag verified. Treat the output as provisional until the iterator ends."""
    buffer = bytearray()
    size = 0
    decryptor: SegmentDecryptor | None = None
    for chunk in chunks:
        if decryptor is not None:
            yield from decryptor.push(chunk)
            continue
        buffer += chunk
        if size == 0 and len(buffer) >= HEADER_PREFIX_SIZE:
            size = read_header_size(bytes(buffer[:HEADER_PREFIX_SIZE]))
        if size == 0 or len(buffer) < size:
            continue
        header = parse_header(bytes(buffer[:size]))
        decryptor = SegmentDecryptor(open_header(header, resolve_key(header)).payload_key)
        rest = bytes(buffer[size:])
        buffer = bytearray()
        yield from decryptor.push(rest)
    if decryptor is None:
        if size == 0 and len(buffer) >= HEADER_PREFIX_SIZE:
            read_header_size(bytes(buffer))
        raise header_invalid("the object ends inside its header")
    yield decryptor.finish()
