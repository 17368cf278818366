"""Encrypting boto3: :class:`LatchS3Client` and the seed's ``upload_file``/``download_file``."""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import IO, Any

from .errors import FormatError, S3Error
from .format import (
    Header,
    ObjectWriter,
    SegmentDecryptor,
    open_header,
    parse_header,
    plaintext_size,
    read_header_size,
)
from .format.constants import HEADER_PREFIX_SIZE
from .key_servers import KeyServers
from .keyserver import KeyServerClient
from .ranged_get import get_range, not_latch, read_exactly
from .transfer import (
    ABORT_ARGS,
    PART_ARGS,
    Parts,
    Prefixed,
    Settings,
    check_download_args,
    check_put_args,
    check_upload_args,
    fill,
    settings_of,
    subset,
)

POLICY_METADATA_KEY = "latch-policy"
PART_SIZE = 5 << 20
"""Plaintext bytes per multipart part (a multiple of 65,536, at least 5 MiB)."""
CONCURRENCY = 4


def _expiry(expires: datetime | str | None) -> str | None:
    if isinstance(expires, datetime):
        if expires.tzinfo is None:
            raise S3Error("ERR_S3_ARGUMENT_INVALID", "expires must carry a time zone")
        return expires.isoformat()
    return expires


def create_s3_client(**kwargs: Any) -> Any:
    """A boto3 S3 client from AWS's usual chain (``AWS_ENDPOINT_URL_S3`` included), with
    checksums only when required (as the Node client sets for Ceph and other S3 stores)."""
    import boto3
    from botocore.config import Config

    config = Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=2 * CONCURRENCY + 2,
    )
    return boto3.client("s3", config=config, **kwargs)


class LatchS3Client:
    """Wraps a boto3 S3 client: ``put_object``, ``get_object`` (``Range`` included),
    ``upload_file``, ``download_file``, ``upload_fileobj`` and ``download_fileobj`` encrypt and
    decrypt; every other attribute is the wrapped client's.

    Writes create a policy on the key server (``readers``, ``expires``) and return its id; the
    object's metadata ``latch-policy`` carries it too.

    With ``split_with`` (a second key server, run by someone else with its own ``--kas-id``),
    each new object's key is split: share 1 wrapped to ``latch``, share 2 to ``split_with``; the
    policy is created on both under one id, policy changes are made on both, and reads ask each
    server for its share (:class:`latch.key_servers.KeyServers`). Without ``latch``, the key
    servers come from ``LATCH_SPLIT``/``LATCH_SPLIT_TOKENS``, else ``LATCH_SERVER``/``LATCH_TOKEN``.
    """

    def __init__(
        self,
        client: Any,
        latch: KeyServerClient | None = None,
        split_with: KeyServerClient | None = None,
    ) -> None:
        self.client = client
        if latch is None and split_with is None:
            self.key_servers = KeyServers.from_env()
        else:
            first = latch if latch is not None else KeyServerClient.from_env()
            self.key_servers = KeyServers(first, split_with)
        self.latch = self.key_servers.servers[0]
        """The key server (the first one, when files are split)."""
        self.split_with = self.key_servers.servers[1] if self.key_servers.split else None
        """The second key server of a split, else None."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def __repr__(self) -> str:
        if self.split_with is None:
            return f"LatchS3Client({self.latch!r})"
        return f"LatchS3Client({self.latch!r}, split_with={self.split_with!r})"

    # --- policy operations (on both key servers of a split, one after the other) ---

    def share(self, policy_id: str, *readers: str) -> dict[str, Any]:
        """Adds readers to a file's policy (``latch share``)."""
        return self.key_servers.change(lambda server: server.share(policy_id, *readers))

    def unshare(self, policy_id: str, *readers: str) -> dict[str, Any]:
        """Removes readers (``latch unshare``)."""
        return self.key_servers.change(lambda server: server.unshare(policy_id, *readers))

    def expire(self, policy_id: str, expires: datetime | str | None) -> dict[str, Any]:
        """Sets or clears the expiry (``latch expire``)."""
        at = _expiry(expires)
        return self.key_servers.change(lambda server: server.expire(policy_id, at))

    def revoke(self, policy_id: str, reason: str | None = None) -> dict[str, Any]:
        """Revokes the policy (``latch revoke``)."""
        return self.key_servers.change(lambda server: server.revoke(policy_id, reason))

    def unrevoke(self, policy_id: str, reason: str | None = None) -> dict[str, Any]:
        """Lifts a revocation (``latch unrevoke``)."""
        return self.key_servers.change(lambda server: server.unrevoke(policy_id, reason))

    def policy_show(self, policy_id: str) -> dict[str, Any]:
        """The policy as the (first) key server holds it (``latch policy show``); the second
        server's copy of a split file's policy is ``self.split_with.get_policy(policy_id)``."""
        return self.latch.get_policy(policy_id)

    # --- writing ---

    def _writer(
        self, readers: Sequence[str], expires: datetime | str | None, bucket: str, key: str
    ) -> ObjectWriter:
        if self.key_servers.split:
            # one request per server, the object registered with its policy: a refusal or an
            # outage of either server comes before anything is stored
            return self.key_servers.split_writer(
                readers=readers, expires_at=_expiry(expires), bucket=bucket, key=key
            )
        recipient = self.latch.recipient()
        policy = self.latch.create_policy(readers=readers, expires_at=_expiry(expires))
        return ObjectWriter(str(policy["id"]), [[recipient]])

    def _register(self, writer: ObjectWriter, bucket: str, key: str) -> None:
        if self.key_servers.split:
            return  # registered on both servers with the policy (split_writer)
        header = parse_header(writer.header)
        self.latch.add_policy_object(
            writer.policy_id, header.object_id, header.core_hash, bucket, key
        )

    def put_object(
        self,
        *,
        Bucket: str,
        Key: str,
        Body: bytes | IO[bytes] = b"",
        readers: Sequence[str] = (),
        expires: datetime | str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Encrypts ``Body`` and puts it; the answer has ``LatchPolicyId``. Other arguments pass
        through, except those about the body (``ContentMD5``, ``Checksum*``, …:
        ``ERR_S3_ARGUMENT_INVALID``)."""
        check_put_args(kwargs)
        data = Body if isinstance(Body, bytes | bytearray) else Body.read()
        writer = self._writer(readers, expires, Bucket, Key)
        obj = b"".join(writer.encrypt_chunks([bytes(data)]))
        metadata = {**kwargs.pop("Metadata", {}), POLICY_METADATA_KEY: writer.policy_id}
        answer: dict[str, Any] = self.client.put_object(
            Bucket=Bucket, Key=Key, Body=obj, Metadata=metadata, **kwargs
        )
        self._register(writer, Bucket, Key)
        answer["LatchPolicyId"] = writer.policy_id
        return answer

    def upload_file(
        self,
        Filename: str,
        Bucket: str,
        Key: str,
        ExtraArgs: Mapping[str, Any] | None = None,
        Callback: Callable[[int], Any] | None = None,
        Config: Any = None,
        *,
        readers: Sequence[str] = (),
        expires: datetime | str | None = None,
    ) -> str:
        """Encrypts a local file to ``s3://Bucket/Key``; returns the policy id. ``ExtraArgs``,
        ``Callback`` (plaintext bytes sent, per part) and ``Config`` (boto3's TransferConfig:
        ``multipart_threshold``, ``multipart_chunksize``, ``max_concurrency``, ``use_threads``)
        work as in boto3."""
        args = check_upload_args(ExtraArgs)
        with open(Filename, "rb") as source:
            size = os.fstat(source.fileno()).st_size
            settings = settings_of(Config, PART_SIZE, CONCURRENCY, size)
            return self._upload(
                source, size, Bucket, Key, args, settings, Callback, readers, expires
            )

    def upload_fileobj(
        self,
        Fileobj: IO[bytes],
        Bucket: str,
        Key: str,
        ExtraArgs: Mapping[str, Any] | None = None,
        Callback: Callable[[int], Any] | None = None,
        Config: Any = None,
        *,
        readers: Sequence[str] = (),
        expires: datetime | str | None = None,
    ) -> str:
        """Encrypts a readable binary file object; returns the policy id (arguments as
        :meth:`upload_file`)."""
        args = check_upload_args(ExtraArgs)
        settings = settings_of(Config, PART_SIZE, CONCURRENCY, None)
        return self._upload(Fileobj, None, Bucket, Key, args, settings, Callback, readers, expires)

    def _upload(
        self,
        source: IO[bytes],
        size: int | None,
        bucket: str,
        key: str,
        args: dict[str, Any],
        settings: Settings,
        callback: Callable[[int], Any] | None,
        readers: Sequence[str],
        expires: datetime | str | None,
    ) -> str:
        single: bytes | None = None
        if size is None:
            # the size is unknown: read up to the threshold to choose between one PUT and parts
            # (in steps, so that a short stream never costs a whole threshold of memory)
            prefix = bytearray()
            while len(prefix) < settings.threshold:
                step = bytearray(min(1 << 20, settings.threshold - len(prefix)))
                got = fill(source, memoryview(step))
                prefix += memoryview(step)[:got]
                if got < len(step):
                    break
            if len(prefix) < settings.threshold:
                single = bytes(prefix)
            else:
                source = Prefixed(prefix, source)  # type: ignore[assignment]
        elif size < settings.threshold:
            single = source.read()
        writer = self._writer(readers, expires, bucket, key)
        args["Metadata"] = {**args.get("Metadata", {}), POLICY_METADATA_KEY: writer.policy_id}
        if single is not None:
            body = b"".join(writer.encrypt_chunks([single]))
            self.client.put_object(Bucket=bucket, Key=key, Body=body, **args)
            if callback is not None:
                callback(len(single))
        else:
            self._multipart(
                Parts(writer, source, settings.part_size), settings, bucket, key, args, callback
            )
        self._register(writer, bucket, key)
        return writer.policy_id

    def _multipart(
        self,
        parts: Parts,
        settings: Settings,
        bucket: str,
        key: str,
        args: dict[str, Any],
        callback: Callable[[int], Any] | None,
    ) -> None:
        upload_id = self.client.create_multipart_upload(Bucket=bucket, Key=key, **args)["UploadId"]
        each = subset(args, PART_ARGS)
        done: dict[int, str] = {}
        # One buffer per part in flight, reused part after part: memory stays at `concurrency`
        # parts, however the allocator treats buffers freed on other threads.
        free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(settings.concurrency):
            free.put(bytearray())

        def send(number: int, body: bytearray, plain: int) -> None:
            try:
                answer = self.client.upload_part(
                    Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body, **each
                )
                done[number] = answer["ETag"]
            finally:
                free.put(body)
            if callback is not None:
                callback(plain)

        try:
            with ThreadPoolExecutor(settings.concurrency) as pool:
                futures: list[Future[None]] = []
                while True:
                    body = free.get()  # a part is made only into a free buffer
                    part = parts.next(body)
                    if part is None:
                        break
                    number, plain, last = part
                    futures.append(pool.submit(send, number, body, plain))
                    if last or any(f.done() and f.exception() for f in futures):
                        break
                wait(futures, return_when=FIRST_EXCEPTION)
                for future in futures:
                    future.result()
            self.client.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": n, "ETag": done[n]} for n in sorted(done)]
                },
                **each,
            )
        except BaseException:
            self.client.abort_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, **subset(args, ABORT_ARGS)
            )
            raise

    # --- reading ---

    def _open(self, bucket: str, key: str, kwargs: Mapping[str, Any]) -> tuple[Header, Any, int]:
        """GETs the object and reads its header; returns header, body stream and object size."""
        answer = self.client.get_object(Bucket=bucket, Key=key, **kwargs)
        stream = answer["Body"]
        prefix = read_exactly(stream, HEADER_PREFIX_SIZE)
        try:
            size = read_header_size(prefix)
        except FormatError:
            stream.close()
            raise not_latch(f"s3://{bucket}/{key}") from None
        raw = prefix + read_exactly(stream, size - HEADER_PREFIX_SIZE)
        header = parse_header(raw)
        return header, stream, int(answer["ContentLength"])

    def get_object(
        self, *, Bucket: str, Key: str, Range: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """GETs and decrypts. Without ``Range``, ``Body`` streams the plaintext (each segment
        released only after its tag verified: treat it as provisional until the end). With
        ``Range``, only the covering segments are fetched, pinned to one ETag."""
        if Range is not None:
            return get_range(self.client, self.key_servers.data_key, Bucket, Key, Range, kwargs)
        header, stream, size = self._open(Bucket, Key, kwargs)
        length = plaintext_size(size, len(header.raw))
        keys = open_header(header, self.key_servers.data_key(header))
        body = DecryptingBody(stream, SegmentDecryptor(keys.payload_key))
        return {"Body": body, "ContentLength": length, "LatchPolicyId": header.policy_id}

    def download_fileobj(
        self,
        Bucket: str,
        Key: str,
        Fileobj: IO[bytes],
        ExtraArgs: Mapping[str, Any] | None = None,
        Callback: Callable[[int], Any] | None = None,
        Config: Any = None,
    ) -> None:
        """Decrypts into a writable file object (provisional until this returns). ``ExtraArgs``
        (boto3's download arguments) go to the GET; ``Callback`` gets the plaintext bytes of each
        verified piece written; ``Config`` is accepted as boto3's (the body is one streamed GET)."""
        args = check_download_args(ExtraArgs)
        answer = self.get_object(Bucket=Bucket, Key=Key, **args)
        for chunk in answer["Body"].iter_chunks():
            Fileobj.write(chunk)
            if Callback is not None and chunk:
                Callback(len(chunk))

    def download_file(
        self,
        Bucket: str,
        Key: str,
        Filename: str,
        ExtraArgs: Mapping[str, Any] | None = None,
        Callback: Callable[[int], Any] | None = None,
        Config: Any = None,
    ) -> None:
        """Decrypts ``s3://Bucket/Key`` to a local file, atomically: the file appears only once
        every segment verified; a tampered, truncated or plain object leaves nothing behind.
        Arguments as :meth:`download_fileobj`."""
        directory = os.path.dirname(os.path.abspath(Filename))
        fd, temporary = tempfile.mkstemp(prefix=".latch-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as sink:
                self.download_fileobj(Bucket, Key, sink, ExtraArgs, Callback, Config)
            os.replace(temporary, Filename)
        except BaseException:
            os.unlink(temporary)
            raise


class DecryptingBody:
    """The plaintext of a GET, read from the ciphertext stream as it comes; raises FormatError
    at the first segment that does not verify."""

    def __init__(self, stream: Any, decryptor: SegmentDecryptor) -> None:
        self._stream = stream
        self._decryptor = decryptor
        self._buffer = bytearray()
        self._ended = False
        self._chunks: Iterator[bytes] | None = None

    def iter_chunks(self, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The plaintext in verified pieces."""
        while not self._ended:
            data = self._stream.read(chunk_size)
            if not data:
                self._ended = True
                self._stream.close()
                yield self._decryptor.finish()
                return
            yield from self._decryptor.push(data)

    def read(self, amount: int | None = None) -> bytes:
        """Up to ``amount`` plaintext bytes (all of it when None)."""
        if self._chunks is None:
            self._chunks = self.iter_chunks()
        while amount is None or len(self._buffer) < amount:
            piece = next(self._chunks, None)
            if piece is None:
                break
            self._buffer += piece
        take = len(self._buffer) if amount is None else min(amount, len(self._buffer))
        out = bytes(self._buffer[:take])
        del self._buffer[:take]
        return out

    def close(self) -> None:
        self._stream.close()


# --- the seed's functions ---

_default: tuple[Any, KeyServers] | None = None
_default_lock = threading.Lock()


def _clients(
    client: Any, latch: KeyServerClient | None, split_with: KeyServerClient | None
) -> LatchS3Client:
    global _default
    if client is None or latch is None:
        with _default_lock:
            if _default is None:
                _default = (create_s3_client(), KeyServers.from_env())
        client = client if client is not None else _default[0]
        if latch is None and split_with is None:
            return LatchS3Client(client, *_default[1].servers)
        latch = latch if latch is not None else _default[1].servers[0]
    return LatchS3Client(client, latch, split_with)


def upload_file(
    local_file: str,
    bucket: str,
    key: str,
    *,
    readers: Sequence[str] = (),
    expires: datetime | str | None = None,
    client: Any = None,
    latch: KeyServerClient | None = None,
    split_with: KeyServerClient | None = None,
) -> str:
    """Encrypts ``local_file`` to ``s3://bucket/key`` under a new policy; returns its id (keep
    it in the application's database). Defaults: the boto3 client of AWS's usual chain and the
    key servers of ``LATCH_SPLIT``/``LATCH_SPLIT_TOKENS``, else ``LATCH_SERVER``/``LATCH_TOKEN``;
    ``split_with`` splits the file's key with a second key server (:class:`LatchS3Client`)."""
    return _clients(client, latch, split_with).upload_file(
        local_file, bucket, key, readers=readers, expires=expires
    )


def download_file(
    bucket: str,
    key: str,
    local_file: str,
    *,
    client: Any = None,
    latch: KeyServerClient | None = None,
    split_with: KeyServerClient | None = None,
) -> None:
    """Decrypts ``s3://bucket/key`` to ``local_file``, atomically (nothing on any failure); a
    file split across two key servers needs both (``split_with``, or ``LATCH_SPLIT``)."""
    _clients(client, latch, split_with).download_file(bucket, key, local_file)
