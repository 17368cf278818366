"""boto3's transfer arguments on the wrapper (``Config``, ``Callback``, ``ExtraArgs``) and ranged
gets from a store that ignores ``Range``, against Ceph RGW and a real key server."""

from __future__ import annotations

import io
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from latch.errors import FormatError, S3Error
from latch.s3 import LatchS3Client, create_s3_client
from tests.conftest import People, s3_env

S = 65_536
MIB = 1 << 20


def key_of(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}"


def fresh_client() -> Any:
    """A client of its own, for event hooks that must not touch the other tests' client."""
    env = s3_env()
    return create_s3_client(
        endpoint_url=env["AWS_ENDPOINT_URL_S3"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )


def parts_of(s3: Any, bucket: str, key: str) -> int:
    """The number of parts S3 assembled the object from (0: a single PUT)."""
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    return int(etag.partition("-")[2] or 0)


def test_config_threshold_and_part_size(
    people: People, s3: Any, bucket: str, tmp_path: Path
) -> None:
    plain = secrets.token_bytes(5 * MIB + 3 * S + 7)
    (tmp_path / "in").write_bytes(plain)
    # a 1 MiB part size rounds up to S3's 5 MiB minimum: two parts
    parts = TransferConfig(multipart_threshold=MIB, multipart_chunksize=MIB)
    single = TransferConfig(multipart_threshold=64 * MIB)
    cases: dict[str, Callable[[str], object]] = {
        "file-parts": lambda k: people.alice.upload_file(
            str(tmp_path / "in"), bucket, k, Config=parts
        ),
        "file-single": lambda k: people.alice.upload_file(
            str(tmp_path / "in"), bucket, k, Config=single
        ),
        # a file object's size is unknown: up to the threshold is read to choose
        "fileobj-parts": lambda k: people.alice.upload_fileobj(
            io.BytesIO(plain), bucket, k, Config=parts
        ),
        "fileobj-single": lambda k: people.alice.upload_fileobj(
            io.BytesIO(plain), bucket, k, Config=single
        ),
    }
    for name, upload in cases.items():
        key = key_of(name)
        upload(key)
        assert parts_of(s3, bucket, key) == (2 if name.endswith("parts") else 0), name
        sink = io.BytesIO()
        people.alice.download_fileobj(bucket, key, sink, Config=parts)
        assert sink.getvalue() == plain, name


def test_max_concurrency_bounds_parts_in_flight(
    people: People, bucket: str, tmp_path: Path
) -> None:
    plain = secrets.token_bytes(3 * 5 * MIB + 100)  # three full parts and a last one
    (tmp_path / "in").write_bytes(plain)
    client = fresh_client()
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def started(**_: Any) -> None:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])

    def ended(**_: Any) -> None:
        with lock:
            state["now"] -= 1

    client.meta.events.register("before-call.s3.UploadPart", started)
    client.meta.events.register("after-call.s3.UploadPart", ended)
    wrapper = LatchS3Client(client, people.alice.latch)
    configs = [
        (TransferConfig(multipart_chunksize=5 * MIB, use_threads=False), 1),
        (TransferConfig(multipart_chunksize=5 * MIB, max_concurrency=2), 2),
    ]
    for config, bound in configs:
        state["peak"] = 0
        key = key_of("concurrency")
        wrapper.upload_file(str(tmp_path / "in"), bucket, key, Config=config)
        assert 1 <= state["peak"] <= bound
        assert wrapper.get_object(Bucket=bucket, Key=key)["Body"].read() == plain


def test_callback_counts_plaintext_bytes(
    people: People, s3: Any, bucket: str, tmp_path: Path
) -> None:
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    for size, parts in [(0, 0), (1000, 0), (2 * 5 * MIB + 3 * S + 1, 3)]:
        plain = secrets.token_bytes(size)
        (tmp_path / "in").write_bytes(plain)
        key = key_of("callback")
        sent: list[int] = []
        people.alice.upload_file(
            str(tmp_path / "in"), bucket, key, Callback=sent.append, Config=config
        )
        assert parts_of(s3, bucket, key) == parts
        assert sum(sent) == size and len(sent) == max(parts, 1)
        received: list[int] = []
        people.alice.download_file(bucket, key, str(tmp_path / "out"), Callback=received.append)
        assert sum(received) == size and (tmp_path / "out").read_bytes() == plain


def test_extra_args_pass_through_or_are_refused(
    people: People, s3: Any, bucket: str, tmp_path: Path
) -> None:
    (tmp_path / "in").write_bytes(secrets.token_bytes(5 * MIB + 10))
    extra = {
        "ContentType": "application/pdf",
        "CacheControl": "no-store",
        "Metadata": {"patient": "42"},
    }
    for threshold in (64 * MIB, 5 * MIB):  # one PUT, then parts
        key = key_of("extra")
        config = TransferConfig(multipart_threshold=threshold)
        policy_id = people.alice.upload_file(
            str(tmp_path / "in"), bucket, key, ExtraArgs=extra, Config=config
        )
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == "application/pdf"
        assert head["CacheControl"] == "no-store"
        assert head["Metadata"] == {"patient": "42", "latch-policy": policy_id}
        assert extra["Metadata"] == {"patient": "42"}  # the caller's dict is left alone
    # arguments about the body describe the plaintext, never the stored ciphertext
    for name, value in [
        ("ContentMD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ("ChecksumSHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        ("ChecksumAlgorithm", "SHA256"),
        ("ContentEncoding", "gzip"),
        ("Bogus", "1"),
    ]:
        key = key_of("refused")
        with pytest.raises(S3Error) as caught:
            people.alice.upload_file(str(tmp_path / "in"), bucket, key, ExtraArgs={name: value})
        assert caught.value.code == "ERR_S3_ARGUMENT_INVALID" and name in str(caught.value)
        with pytest.raises(S3Error) as caught:
            people.alice.upload_fileobj(io.BytesIO(b"x"), bucket, key, ExtraArgs={name: value})
        assert caught.value.code == "ERR_S3_ARGUMENT_INVALID"
        with pytest.raises(Exception, match=r"Not Found|404"):
            s3.head_object(Bucket=bucket, Key=key)
    with pytest.raises(S3Error) as caught:
        people.alice.put_object(
            Bucket=bucket, Key=key_of("md5"), Body=b"x", ContentMD5="nQ6DdPuxF1LcAeHgOXbkKA=="
        )
    assert caught.value.code == "ERR_S3_ARGUMENT_INVALID"
    # downloads take boto3's download arguments only
    key = key_of("download-args")
    people.alice.put_object(Bucket=bucket, Key=key, Body=b"hello")
    with pytest.raises(S3Error) as caught:
        people.alice.download_file(
            bucket, key, str(tmp_path / "out"), ExtraArgs={"Range": "bytes=0-1"}
        )
    assert caught.value.code == "ERR_S3_ARGUMENT_INVALID"
    assert not (tmp_path / "out").exists()


class Counting:
    """A response body that counts the bytes read from it."""

    def __init__(self, body: Any, counts: list[int]) -> None:
        self._body = body
        self._counts = counts

    def read(self, amount: int | None = None) -> bytes:
        data: bytes = self._body.read(amount)
        self._counts.append(len(data))
        return data

    def close(self) -> None:
        self._body.close()


def ignoring_range(people: People, only_after_first: bool) -> tuple[LatchS3Client, list[int]]:
    """A wrapper whose GETs reach Ceph without ``Range`` (as from a store that ignores it), and
    the byte counts read from their bodies."""
    client = fresh_client()
    counts: list[int] = []

    def drop_range(request: Any, **_: Any) -> None:
        asked = request.headers.get("Range", "")
        if not (only_after_first and asked.startswith("bytes=0-")):
            del request.headers["Range"]

    def count(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Body"] = Counting(parsed["Body"], counts)

    client.meta.events.register("before-sign.s3.GetObject", drop_range)
    client.meta.events.register("after-call.s3.GetObject", count)
    return LatchS3Client(client, people.alice.latch), counts


@pytest.mark.parametrize("only_after_first", [False, True])
def test_range_from_a_store_that_ignores_range(
    only_after_first: bool, people: People, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    plain = secrets.token_bytes(40 * S + 123)  # about 2.6 MB of ciphertext
    key = key_of("ignored-range")
    people.alice.put_object(Bucket=bucket, Key=key, Body=plain)
    wrapper, counts = ignoring_range(people, only_after_first)
    got = wrapper.get_object(Bucket=bucket, Key=key, Range=f"bytes={3 * S + 5}-{4 * S + 10}")
    assert got["Body"].read() == plain[3 * S + 5 : 4 * S + 11]
    assert "ignored Range" in caplog.text
    # read only as far as the covering segments, not to the end of the object
    assert sum(counts) < 8 * S
    # ranges that need the final segment, and one past the end, still come out right
    n = len(plain)
    assert wrapper.get_object(Bucket=bucket, Key=key, Range="bytes=-5")["Body"].read() == plain[-5:]
    got = wrapper.get_object(Bucket=bucket, Key=key, Range=f"bytes={S}-")
    assert got["Body"].read() == plain[S:]
    with pytest.raises(FormatError) as caught:
        wrapper.get_object(Bucket=bucket, Key=key, Range=f"bytes={n}-")
    assert caught.value.code == "ERR_FORMAT_RANGE_INVALID"


def test_range_of_an_empty_plain_object_is_not_latch(people: People, s3: Any, bucket: str) -> None:
    # S3 refuses every range of an empty object (InvalidRange): the answer is the format's error
    key = key_of("empty-plain")
    s3.put_object(Bucket=bucket, Key=key, Body=b"")
    with pytest.raises(FormatError) as caught:
        people.alice.get_object(Bucket=bucket, Key=key, Range="bytes=0-9")
    assert caught.value.code == "ERR_FORMAT_HEADER_INVALID"
