"""The transfer side of the boto3 drop-in: boto3's ``Config`` (TransferConfig) and ``ExtraArgs``
as they apply to Latch objects, and the encrypted parts of a multipart upload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from .errors import S3Error
from .format import ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE, ObjectWriter

MIN_PART_SIZE = 5 << 20
"""S3's smallest part (all but the last)."""
MAX_PARTS = 10_000

# boto3's ``ExtraArgs`` for uploads (S3Transfer.ALLOWED_UPLOAD_ARGS) that stay true of an object
# whose bytes are Latch ciphertext. The refused ones describe or check the bytes themselves: a
# value the caller computed over the plaintext can never match what is stored.
UPLOAD_ARGS = frozenset(
    {
        "ACL",
        "CacheControl",
        "ContentDisposition",
        "ContentLanguage",
        "ContentType",
        "ExpectedBucketOwner",
        "Expires",
        "GrantFullControl",
        "GrantRead",
        "GrantReadACP",
        "GrantWriteACP",
        "Metadata",
        "ObjectLockLegalHoldStatus",
        "ObjectLockMode",
        "ObjectLockRetainUntilDate",
        "RequestPayer",
        "ServerSideEncryption",
        "StorageClass",
        "SSECustomerAlgorithm",
        "SSECustomerKey",
        "SSECustomerKeyMD5",
        "SSEKMSKeyId",
        "SSEKMSEncryptionContext",
        "Tagging",
        "WebsiteRedirectLocation",
    }
)
_BODY_ARGS = (
    "ContentMD5",
    "ContentLength",
    "ContentEncoding",
    "MpuObjectSize",
    "ChecksumType",
    "ChecksumAlgorithm",
)
# What each multipart call must repeat of the upload's arguments (as s3transfer does).
PART_ARGS = (
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "RequestPayer",
    "ExpectedBucketOwner",
)
ABORT_ARGS = ("RequestPayer", "ExpectedBucketOwner")
DOWNLOAD_ARGS = frozenset(
    {
        "ChecksumMode",
        "VersionId",
        "SSECustomerAlgorithm",
        "SSECustomerKey",
        "SSECustomerKeyMD5",
        "RequestPayer",
        "ExpectedBucketOwner",
    }
)


def _refused(name: str) -> S3Error:
    return S3Error(
        "ERR_S3_ARGUMENT_INVALID",
        f"{name} cannot be used with Latch: it would describe the plaintext, but the stored "
        "bytes are ciphertext (Latch authenticates every segment itself)",
    )


def _is_body_arg(name: str) -> bool:
    return name in _BODY_ARGS or (name.startswith("Checksum") and name != "ChecksumMode")


def check_put_args(kwargs: Mapping[str, Any]) -> None:
    """``put_object`` passes its other arguments through, except those about the body."""
    for name in kwargs:
        if _is_body_arg(name):
            raise _refused(name)


def check_upload_args(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``ExtraArgs`` for ``upload_file``/``upload_fileobj``; raises
    ``ERR_S3_ARGUMENT_INVALID`` for an argument about the body or one boto3 does not know."""
    args = dict(extra or {})
    for name in args:
        if _is_body_arg(name):
            raise _refused(name)
        if name not in UPLOAD_ARGS:
            raise S3Error("ERR_S3_ARGUMENT_INVALID", f"{name} is not an upload argument")
    return args


def check_download_args(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``ExtraArgs`` for ``download_file``/``download_fileobj`` (boto3's set)."""
    args = dict(extra or {})
    for name in args:
        if name not in DOWNLOAD_ARGS:
            raise S3Error("ERR_S3_ARGUMENT_INVALID", f"{name} is not a download argument")
    return args


def subset(args: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The arguments among ``names``."""
    return {name: args[name] for name in names if name in args}


@dataclass(frozen=True)
class Settings:
    """How an upload runs: a single PUT below ``threshold`` bytes of plaintext, else parts of
    ``part_size`` plaintext bytes (a multiple of 65,536), ``concurrency`` at a time."""

    threshold: int
    part_size: int
    concurrency: int


def settings_of(
    config: Any, default_part_size: int, default_concurrency: int, size: int | None
) -> Settings:
    """Reads boto3's ``TransferConfig`` (``multipart_threshold``, ``multipart_chunksize``,
    ``max_concurrency``, ``use_threads``); ``None`` keeps Latch's defaults (a single PUT up to
    one part). Parts are rounded up to whole segments and to S3's 5 MiB minimum, and grown so that
    a file of known ``size`` needs at most 10,000."""
    if config is None:
        threshold, part, concurrency = default_part_size, default_part_size, default_concurrency
    else:
        threshold = int(config.multipart_threshold)
        part = int(config.multipart_chunksize)
        concurrency = int(config.max_concurrency) if getattr(config, "use_threads", True) else 1
    if threshold < 0 or part <= 0 or concurrency <= 0:
        raise S3Error("ERR_S3_ARGUMENT_INVALID", "Config has a negative or zero size or count")
    part = max(MIN_PART_SIZE, -(-part // SEGMENT_SIZE) * SEGMENT_SIZE)
    while size is not None and size // part >= MAX_PARTS:
        part *= 2
    return Settings(threshold, part, concurrency)


def fill(source: IO[bytes], view: memoryview) -> int:
    """Reads until ``view`` is full or the source ends; returns the bytes read."""
    got = 0
    readinto = getattr(source, "readinto", None)
    while got < len(view):
        if readinto is not None:
            n = readinto(view[got:])
        else:
            data = source.read(len(view) - got)
            n = len(data)
            view[got : got + n] = data
        if not n:
            break
        got += n
    return got


class Prefixed:
    """A source whose first bytes were already read (to decide between one PUT and parts)."""

    def __init__(self, prefix: bytes | bytearray, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readinto(self, view: memoryview) -> int:
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return fill(self._rest, view)


class Parts:
    """Reads plaintext one part at a time and encrypts it straight into the part's buffer (each
    byte read once, no copy between encryption and the upload body); part 1 carries the header.
    A full segment is sealed as non-final only once the next one has been read."""

    def __init__(self, writer: ObjectWriter, source: Any, part_size: int) -> None:
        self._writer = writer
        self._source = source
        self._segments = part_size // SEGMENT_SIZE
        self._number = 0
        self._segment = 0
        self._current = bytearray(SEGMENT_SIZE)
        self._next = bytearray(SEGMENT_SIZE)
        self._length = fill(source, memoryview(self._current))
        self._ended = False

    def next(self, out: bytearray) -> tuple[int, int, bool] | None:
        """Makes the next part in ``out`` (resized to it, reusing its memory); returns (part
        number, plaintext bytes in it, is last), or None after the last."""
        if self._ended:
            return None
        self._number += 1
        head = self._writer.header if self._number == 1 else b""
        # room for the header of part 1, the part's segments and a final one: shrinking to the
        # part (by less than half) keeps the allocation, so the next part reuses it as is
        capacity = len(self._writer.header) + (self._segments + 1) * ENCRYPTED_SEGMENT_SIZE
        if len(out) < capacity:
            out.extend(bytes(capacity - len(out)))
        view = memoryview(out)
        view[: len(head)] = head
        at = len(head)
        plain = 0
        for _ in range(self._segments):
            if self._length < SEGMENT_SIZE:
                break
            following = fill(self._source, memoryview(self._next))
            at += self._writer.seal_segment_into(self._segment, self._current, False, view[at:])
            plain += SEGMENT_SIZE
            self._segment += 1
            self._current, self._next, self._length = self._next, self._current, following
        if self._length < SEGMENT_SIZE:
            # the final segment (empty when the plaintext ends at a segment boundary)
            at += self._writer.seal_segment_into(
                self._segment, memoryview(self._current)[: self._length], True, view[at:]
            )
            plain += self._length
            self._ended = True
        view.release()
        del out[at:]
        return self._number, plain, self._ended
