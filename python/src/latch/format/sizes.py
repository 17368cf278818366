"""Object and plaintext sizes (docs/FORMAT.md §5)."""

from __future__ import annotations

from ..errors import length_invalid
from .constants import ENCRYPTED_SEGMENT_SIZE, MAX_OBJECT_SIZE, MAX_SEGMENTS, SEGMENT_SIZE, TAG_SIZE


def ciphertext_size(plaintext_length: int, header_size: int) -> int:
    """The object size ``N`` for ``L`` plaintext bytes under a header of ``H`` bytes."""
    segments = plaintext_length // SEGMENT_SIZE + 1
    return header_size + plaintext_length + TAG_SIZE * segments


def plaintext_size(object_size: int, header_size: int) -> int:
    """The plaintext length ``L`` an object of ``N`` bytes implies.

    Raises FormatError ``ERR_FORMAT_LENGTH_INVALID`` for a size no Latch object can have.
    """
    if object_size >= MAX_OBJECT_SIZE:
        raise length_invalid("object too large")
    body = object_size - header_size
    if body < TAG_SIZE:
        raise length_invalid("the object is truncated")
    segments = body // ENCRYPTED_SEGMENT_SIZE + 1
    rest = body - (segments - 1) * ENCRYPTED_SEGMENT_SIZE
    if rest < TAG_SIZE or segments > MAX_SEGMENTS:
        raise length_invalid("the object is truncated")
    return (segments - 1) * SEGMENT_SIZE + rest - TAG_SIZE
