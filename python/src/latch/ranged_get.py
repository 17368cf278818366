"""A ranged ``get_object``: the header and segment 0 in one GET, then only the covering segments,
also from a store that ignores ``Range``."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import FormatError, S3Error
from .format import (
    ENCRYPTED_SEGMENT_SIZE,
    SEGMENT_SIZE,
    Header,
    open_header,
    parse_header,
    read_header_size,
)
from .format.constants import MAX_HEADER_SIZE
from .format.segments import open_segment
from .ranges import plan_range

# The largest header plus segment 0: one ranged GET returns both (docs/FORMAT.md §2).
FIRST_SPAN = MAX_HEADER_SIZE + ENCRYPTED_SEGMENT_SIZE
_log = logging.getLogger("latch.s3")


def not_latch(where: str) -> FormatError:
    """The error for an object that is not a Latch object."""
    return FormatError(
        "ERR_FORMAT_HEADER_INVALID",
        f"{where} is not a Latch object (it was not written by Latch, or not encrypted)",
    )


def read_exactly(stream: Any, size: int) -> bytes:
    """Reads ``size`` bytes, or fewer if the stream ends first."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        data = stream.read(min(size - got, 1 << 20))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


class _Forward:
    """The whole object's body, from a store that ignored ``Range``, read forward only as far as
    a request needs (what it skips is never kept)."""

    def __init__(self, stream: Any, position: int) -> None:
        self._stream = stream
        self._position = position

    def take(self, start: int, end: int) -> bytes:
        if start < self._position:  # the caller asks in increasing order
            raise S3Error("ERR_S3_REQUEST_FAILED", "a span behind the body's position")
        while self._position < start:
            skipped = len(read_exactly(self._stream, min(start - self._position, 1 << 20)))
            if not skipped:
                break
            self._position += skipped
        got = read_exactly(self._stream, end - start) if self._position == start else b""
        self._position += len(got)
        return got

    def close(self) -> None:
        self._stream.close()


def _span_of(answer: Mapping[str, Any], start: int, end: int, where: str) -> bytes:
    """Bytes [start, end) of the object from a ranged GET's answer; without ``Content-Range``
    (the store ignored ``Range``) the body is the whole object, read only as far as ``end``."""
    stream = answer["Body"]
    try:
        content_range = answer.get("ContentRange")
        if content_range is None:
            _log.warning("%s: the store ignored Range; reading forward from the start", where)
            return _Forward(stream, 0).take(start, end)
        if not str(content_range).startswith(f"bytes {start}-"):
            raise S3Error("ERR_S3_REQUEST_FAILED", f"{where} answered another range than asked")
        return read_exactly(stream, end - start)
    finally:
        stream.close()


def get_range(
    client: Any,
    data_key: Callable[[Header], bytes],
    bucket: str,
    key: str,
    text: str,
    kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """``get_object`` with ``Range``: fetches the header and segment 0 in one GET, then only the
    covering segments (and the final one first when the range depends on where the object ends),
    pinned to the first answer's ETag. Nothing is released before every segment it comes from
    verified."""
    import botocore.exceptions

    where = f"s3://{bucket}/{key}"
    try:
        first = client.get_object(
            Bucket=bucket, Key=key, Range=f"bytes=0-{FIRST_SPAN - 1}", **kwargs
        )
    except botocore.exceptions.ClientError as error:
        # S3 refuses every range of an empty object: it cannot be a Latch object
        if error.response.get("Error", {}).get("Code") == "InvalidRange":
            raise not_latch(where) from None
        raise
    forward: _Forward | None = None
    if first.get("ContentRange") is None:
        # The store ignored Range and is sending the whole object: read it forward as far as the
        # range needs, on this one answer, rather than to the end.
        _log.warning("%s: the store ignored Range; reading forward from the start", where)
        size = int(first["ContentLength"])
        data = read_exactly(first["Body"], min(FIRST_SPAN, size))
        forward = _Forward(first["Body"], len(data))
    else:
        data = first["Body"].read()
        size = int(str(first["ContentRange"]).rpartition("/")[2])
    try:
        return _decrypt_range(
            client, data_key, bucket, key, text, kwargs, first, data, size, forward
        )
    finally:
        if forward is not None:
            forward.close()


def _decrypt_range(
    client: Any,
    data_key: Callable[[Header], bytes],
    bucket: str,
    key: str,
    text: str,
    kwargs: Mapping[str, Any],
    first: Mapping[str, Any],
    data: bytes,
    size: int,
    forward: _Forward | None,
) -> dict[str, Any]:
    where = f"s3://{bucket}/{key}"
    try:
        read_header_size(data)
    except FormatError:
        raise not_latch(where) from None
    header = parse_header(data)
    h = len(header.raw)
    plan = plan_range(text, size, h)
    keys = open_header(header, data_key(header))
    aead = AESGCM(keys.payload_key)
    pinned = {**kwargs, "IfMatch": first["ETag"]}

    def fetch(start: int, end: int) -> bytes:
        if end <= len(data):
            got = data[start:end]
        elif forward is not None:
            got = data[start:] + forward.take(max(start, len(data)), end)
        else:
            answer = client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", **pinned
            )
            got = _span_of(answer, start, end, where)
        if len(got) != end - start:
            raise FormatError("ERR_FORMAT_LENGTH_INVALID", "the object is truncated")
        return got

    final_start = h + plan.final_index * ENCRYPTED_SEGMENT_SIZE
    start, end = plan.ciphertext_span(size, h)
    check_final = plan.verify_final_first or plan.unsatisfiable
    sealed = b""
    if forward is None:
        if check_final:
            open_segment(aead, plan.final_index, True, fetch(final_start, size))
    else:
        # one body read forward: the covering span first, then the final segment unless the
        # span holds it (then it verifies with the span, before anything is released)
        if not plan.unsatisfiable:
            sealed = fetch(start, end)
        if check_final and (plan.unsatisfiable or end < size):
            open_segment(aead, plan.final_index, True, fetch(final_start, size))
    if plan.unsatisfiable:
        raise FormatError("ERR_FORMAT_RANGE_INVALID", f"range {text} is past the end")
    if forward is None:
        sealed = fetch(start, end)
    out = bytearray()
    for i in range(plan.first_segment, plan.last_segment + 1):
        offset = (i - plan.first_segment) * ENCRYPTED_SEGMENT_SIZE
        piece = memoryview(sealed)[offset : offset + ENCRYPTED_SEGMENT_SIZE]
        out += open_segment(aead, i, i == plan.final_index, piece)
    skip = plan.start - plan.first_segment * SEGMENT_SIZE
    body = bytes(out[skip : skip + plan.end - plan.start])
    return {
        "Body": io.BytesIO(body),
        "ContentLength": len(body),
        "ContentRange": f"bytes {plan.start}-{plan.end - 1}/{plan.plaintext_length}",
        "LatchPolicyId": header.policy_id,
    }
