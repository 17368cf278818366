"""Segments (docs/FORMAT.md §5, §7 step 6, §10): sealing and opening, one at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import FormatError, decrypt_failed, length_invalid
from .constants import ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, SEGMENT_SIZE, TAG_SIZE


def segment_nonce(index: int, final: bool) -> bytes:
    """BE88(index) || (0x01 if final else 0x00)."""
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def open_segment(aead: AESGCM, index: int, final: bool, sealed: bytes | memoryview) -> bytes:
    """Opens one segment; ``ERR_FORMAT_DECRYPT_FAILED`` when its tag does not verify."""
    try:
        return aead.decrypt(segment_nonce(index, final), sealed, None)
    except InvalidTag:
        raise decrypt_failed() from None


class SegmentDecryptor:
    """Opens a body pushed in chunks of any size, releasing only verified segments.

    A full ``E``-byte segment is opened as non-final at once; :meth:`finish` opens the rest as
    the final one.
    """

    def __init__(self, payload_key: bytes, first_index: int = 0) -> None:
        self._aead = AESGCM(payload_key)
        self._buffer = bytearray()
        self._index = first_index
        self._done = False

    def push(self, chunk: bytes | bytearray | memoryview) -> Iterator[bytes]:
        """Yields the plaintext of every whole segment now available (without copying whole
        segments that arrive in one chunk), each as soon as it verified. Consume the iterator to
        its end before the next call: the chunk's remainder is buffered only then."""
        if self._done:
            raise length_invalid("data after the end")
        view = memoryview(chunk)
        if self._buffer:
            need = ENCRYPTED_SEGMENT_SIZE - len(self._buffer)
            self._buffer += view[:need]
            view = view[need:]
            if len(self._buffer) < ENCRYPTED_SEGMENT_SIZE:
                return
            sealed = bytes(self._buffer)
            self._buffer.clear()
            yield self._open(sealed, False)
        while len(view) >= ENCRYPTED_SEGMENT_SIZE:
            yield self._open(view[:ENCRYPTED_SEGMENT_SIZE], False)
            view = view[ENCRYPTED_SEGMENT_SIZE:]
        self._buffer += view

    def push_segment(self, sealed: bytes | memoryview) -> bytes:
        """Opens exactly one full non-final segment, without buffering (the caller framed it)."""
        if self._buffer or len(sealed) != ENCRYPTED_SEGMENT_SIZE:
            raise length_invalid("not a whole segment")
        self._check_index()
        out = open_segment(self._aead, self._index, False, sealed)
        self._index += 1
        return out

    def finish(self) -> bytes:
        """Opens the final segment (call once, at the end of input)."""
        if self._done:
            return b""
        if len(self._buffer) < TAG_SIZE:
            raise length_invalid("the object is truncated")
        out = self._open(bytes(self._buffer), True)
        self._buffer.clear()
        self._done = True
        return out

    def _check_index(self) -> None:
        if self._index >= MAX_SEGMENTS:
            raise length_invalid("more than 2^32 segments")

    def _open(self, sealed: bytes | memoryview, final: bool) -> bytes:
        self._check_index()
        out = open_segment(self._aead, self._index, final, sealed)
        self._index += 1
        return out


class SegmentSealer:
    """Seals segments by index, in any order and in parallel, refusing every misuse that would
    repeat a nonce or end the object twice (``ERR_FORMAT_SEGMENT_REJECTED``)."""

    def __init__(self, payload_key: bytes) -> None:
        self._aead = AESGCM(payload_key)
        self._used: set[int] = set()
        self._max = -1
        self._final = -1
        self._lock = threading.Lock()

    def seal(self, index: int, plaintext: bytes | bytearray | memoryview, final: bool) -> bytes:
        """Ciphertext and tag of segment ``index``: exactly 65,536 bytes unless ``final``."""
        self._claim(index, len(plaintext), final)
        return self._aead.encrypt(segment_nonce(index, final), plaintext, None)

    def seal_into(
        self, index: int, plaintext: bytes | bytearray | memoryview, final: bool, out: memoryview
    ) -> int:
        """As :meth:`seal`, written at the start of ``out`` without a copy; returns its length."""
        self._claim(index, len(plaintext), final)
        size = len(plaintext) + TAG_SIZE
        self._aead.encrypt_into(segment_nonce(index, final), plaintext, None, out[:size])
        return size

    def _claim(self, index: int, length: int, final: bool) -> None:
        def reject(why: str) -> FormatError:
            return FormatError("ERR_FORMAT_SEGMENT_REJECTED", why)

        if type(index) is not int or not 0 <= index < MAX_SEGMENTS:
            raise reject("bad index")
        if (length >= SEGMENT_SIZE) if final else (length != SEGMENT_SIZE):
            raise reject("a segment is 65,536 bytes, the final one fewer")
        with self._lock:
            if index in self._used:
                raise reject(f"segment {index} was already encrypted")
            if self._final >= 0 and index > self._final:
                raise reject("segment after the final")
            if final and self._max > index:
                raise reject("final segment before a later one")
            self._used.add(index)
            self._max = max(self._max, index)
            if final:
                self._final = index
