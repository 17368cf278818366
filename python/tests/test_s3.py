"""The boto3 wrapper against Ceph RGW and a real key server."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import latch.s3
from latch.errors import ClientError, FormatError, KeyServerError
from latch.format import parse_header
from latch.keyserver import KeyServerClient
from latch.s3 import LatchS3Client, download_file, upload_file
from tests.conftest import People, Server, email_of

S = 65_536
SIZES = [0, 1, S - 1, S, S + 1, 3 * S + 17]


def data_of(size: int) -> bytes:
    return secrets.token_bytes(size)


def key_of(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}"


def listing(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("size", SIZES)
def test_upload_file_download_file_round_trip(
    size: int, people: People, s3: Any, bucket: str, tmp_path: Path
) -> None:
    plain = data_of(size)
    (tmp_path / "in").write_bytes(plain)
    key = key_of("round-trip")
    policy_id = upload_file(str(tmp_path / "in"), bucket, key, client=s3, latch=people.alice.latch)
    stored = s3.get_object(Bucket=bucket, Key=key)
    obj = stored["Body"].read()
    assert plain not in obj or size < 4
    assert parse_header(obj).policy_id == policy_id
    assert stored["Metadata"]["latch-policy"] == policy_id
    download_file(bucket, key, str(tmp_path / "out"), client=s3, latch=people.alice.latch)
    assert (tmp_path / "out").read_bytes() == plain
    assert people.alice.policy_show(policy_id)["id"] == policy_id


def test_multipart_upload_in_parallel_parts(
    people: People, s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(latch.s3, "PART_SIZE", 5 << 20)
    # two full parts and a third of three segments and a partial one (a final segment shorter
    # than 64 KiB rides with the part before it, so it takes more than that to make a third)
    plain = data_of((5 << 20) * 2 + 3 * S + 12_345)
    (tmp_path / "in").write_bytes(plain)
    key = key_of("multipart")
    people.alice.upload_file(str(tmp_path / "in"), bucket, key)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ETag"].endswith('-3"')  # three parts
    people.alice.download_file(bucket, key, str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == plain
    # ranges across the part boundary
    got = people.alice.get_object(
        Bucket=bucket, Key=key, Range=f"bytes={(5 << 20) - 5}-{(5 << 20) + 5}"
    )
    assert got["Body"].read() == plain[(5 << 20) - 5 : (5 << 20) + 6]


def test_multipart_failure_aborts_and_leaves_no_upload(
    people: People, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(latch.s3, "PART_SIZE", 5 << 20)

    class Failing:
        def __init__(self) -> None:
            self.sent = 0

        def read(self, size: int = -1) -> bytes:
            if self.sent > (6 << 20):
                raise OSError("disk went away")
            self.sent += size
            return b"x" * size

    key = key_of("aborted")
    with pytest.raises(OSError, match="disk went away"):
        people.alice.upload_fileobj(Failing(), bucket, key)  # type: ignore[arg-type]
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u for u in uploads if u["Key"] == key] == []
    with pytest.raises(Exception, match=r"NoSuchKey|Not Found|404"):
        s3.head_object(Bucket=bucket, Key=key)


def test_put_object_get_object_and_ranges(people: People, bucket: str) -> None:
    plain = data_of(5 * S + 100)
    key = key_of("ranges")
    answer = people.alice.put_object(Bucket=bucket, Key=key, Body=plain)
    got = people.alice.get_object(Bucket=bucket, Key=key)
    assert got["ContentLength"] == len(plain)
    assert got["Body"].read() == plain
    assert got["LatchPolicyId"] == answer["LatchPolicyId"]
    # read in small pieces: every byte, in order, once
    body = people.alice.get_object(Bucket=bucket, Key=key)["Body"]
    pieces = []
    while piece := body.read(10_000):
        pieces.append(piece)
    assert b"".join(pieces) == plain and max(len(p) for p in pieces) == 10_000
    n = len(plain)
    cases = {
        "bytes=0-0": plain[0:1],
        "bytes=10-20": plain[10:21],
        f"bytes={S - 1}-{S}": plain[S - 1 : S + 1],
        f"bytes={2 * S}-": plain[2 * S :],
        "bytes=-5": plain[-5:],
        f"bytes=-{n + 10}": plain,
        f"bytes={n - 1}-{n + 100}": plain[n - 1 :],
        f"bytes=3-{10 * n}": plain[3:],
    }
    for text, want in cases.items():
        got = people.alice.get_object(Bucket=bucket, Key=key, Range=text)
        assert got["Body"].read() == want, text
    for bad in [f"bytes={n}-", f"bytes={n + 5}-{n + 9}", "bytes=5-2", "lines=1-2"]:
        with pytest.raises(FormatError) as caught:
            people.alice.get_object(Bucket=bucket, Key=key, Range=bad)
        assert caught.value.code == "ERR_FORMAT_RANGE_INVALID", bad


def test_range_of_truncated_object_fails_before_release(
    people: People, s3: Any, bucket: str
) -> None:
    plain = data_of(3 * S + 50)
    key = key_of("truncated")
    people.alice.put_object(Bucket=bucket, Key=key, Body=plain)
    obj = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    # cut the object to end after a whole segment: a valid-looking size, but no final segment
    h = len(parse_header(obj).raw)
    s3.put_object(Bucket=bucket, Key=key, Body=obj[: h + 2 * (S + 16)])
    for text in ["bytes=-10", "bytes=0-", f"bytes={S}-{10 * S}"]:
        with pytest.raises(FormatError) as caught:
            people.alice.get_object(Bucket=bucket, Key=key, Range=text)
        assert caught.value.code in ("ERR_FORMAT_DECRYPT_FAILED", "ERR_FORMAT_LENGTH_INVALID")


def test_readers_and_denials(people: People, bucket: str, tmp_path: Path) -> None:
    plain = data_of(1000)
    key = key_of("shared")
    bob = email_of(people.bob)
    answer = people.alice.put_object(Bucket=bucket, Key=key, Body=plain, readers=[bob])
    policy_id = answer["LatchPolicyId"]
    assert people.bob.get_object(Bucket=bucket, Key=key)["Body"].read() == plain
    with pytest.raises(KeyServerError) as caught:
        people.carol.download_file(bucket, key, str(tmp_path / "carol"))
    assert caught.value.code == "ERR_ACCESS_DENIED" and caught.value.status == 403
    assert listing(tmp_path) == []

    people.alice.unshare(policy_id, bob)
    with pytest.raises(KeyServerError):
        people.bob.get_object(Bucket=bucket, Key=key)
    people.alice.share(policy_id, email_of(people.carol))
    assert people.carol.get_object(Bucket=bucket, Key=key)["Body"].read() == plain


def test_revoke_unrevoke_expiry_lockdown(
    people: People, server: Server, bucket: str, tmp_path: Path
) -> None:
    plain = data_of(100)
    key = key_of("lifecycle")
    policy_id = people.alice.put_object(Bucket=bucket, Key=key, Body=plain)["LatchPolicyId"]

    def denied() -> bool:
        try:
            people.alice.download_file(bucket, key, str(tmp_path / "out"))
        except KeyServerError as error:
            assert error.code == "ERR_ACCESS_DENIED"
            assert not (tmp_path / "out").exists()
            return True
        (tmp_path / "out").unlink()
        return False

    assert not denied()
    people.alice.revoke(policy_id, "lost laptop")
    assert denied()
    people.alice.unrevoke(policy_id)
    assert not denied()
    people.alice.expire(policy_id, datetime.now(UTC) + timedelta(seconds=1))
    import time

    time.sleep(1.5)
    assert denied()
    people.alice.expire(policy_id, None)
    assert not denied()
    rule = server.admin().call(
        "POST", "/v1/lockdowns", {"bucket": bucket, "prefix": key, "reason": "incident"}
    )
    try:
        assert denied()
    finally:
        server.admin().call("POST", f"/v1/lockdowns/{rule['id']}/lift", {})
    assert not denied()


def test_tampered_and_plain_objects_raise_and_leave_nothing(
    people: People, s3: Any, bucket: str, tmp_path: Path
) -> None:
    plain = data_of(3 * S)
    key = key_of("tampered")
    people.alice.put_object(Bucket=bucket, Key=key, Body=plain)
    obj = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    obj[-100] ^= 1  # in the last full segment: earlier segments verify first
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(obj))
    target = tmp_path / "out"
    with pytest.raises(FormatError) as caught:
        people.alice.download_file(bucket, key, str(target))
    assert caught.value.code == "ERR_FORMAT_DECRYPT_FAILED"
    assert listing(tmp_path) == []

    s3.put_object(Bucket=bucket, Key=key, Body=b"just some plain text, not encrypted")
    with pytest.raises(FormatError) as caught:
        people.alice.download_file(bucket, key, str(target))
    assert caught.value.code == "ERR_FORMAT_HEADER_INVALID"
    assert "not a Latch object" in str(caught.value)
    with pytest.raises(FormatError):
        people.alice.get_object(Bucket=bucket, Key=key, Range="bytes=0-3")
    assert listing(tmp_path) == []


def test_wrong_token_and_unreachable_server_are_distinct(server: Server, s3: Any) -> None:
    wrong = LatchS3Client(s3, KeyServerClient(server.url, "latch_" + "x" * 40))
    with pytest.raises(KeyServerError) as caught:
        wrong.latch.me()
    assert caught.value.code in ("ERR_AUTH_INVALID", "ERR_AUTH_REQUIRED")
    assert caught.value.status == 401
    nowhere = KeyServerClient("http://127.0.0.1:9", "t", timeout=2)
    with pytest.raises(ClientError) as unreachable:
        nowhere.me()
    assert unreachable.value.code == "ERR_CLIENT_UNAVAILABLE"


def test_no_token_in_reprs_or_errors(people: People, server: Server) -> None:
    client = people.alice.latch
    assert people.alice_token not in repr(client)
    assert people.alice_token not in repr(people.alice)
    assert people.alice_token not in str(vars(client))
    bad = KeyServerClient(server.url, "secret-token-value-123")
    with pytest.raises(KeyServerError) as caught:
        bad.me()
    assert "secret-token-value-123" not in repr(caught.value) + str(caught.value)


def test_batched_key_requests(people: People, bucket: str, s3: Any) -> None:
    headers = []
    for i in range(3):
        key = key_of(f"batch-{i}")
        people.alice.put_object(Bucket=bucket, Key=key, Body=bytes([i]) * 10)
        headers.append(parse_header(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    keys = people.alice.latch.data_keys(headers)
    assert len(set(keys)) == 3
    assert keys[1] == people.alice.latch.data_key(headers[1])
    with pytest.raises(KeyServerError) as caught:
        people.carol.latch.data_keys(headers)
    assert caught.value.code == "ERR_ACCESS_DENIED"


def test_other_calls_pass_through(people: People, bucket: str) -> None:
    key = key_of("listed")
    people.alice.put_object(Bucket=bucket, Key=key, Body=b"x")
    listed = people.alice.list_objects_v2(Bucket=bucket, Prefix=key)
    assert [item["Key"] for item in listed["Contents"]] == [key]


def test_configuration_from_environment(
    people: People, server: Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import s3_env

    for name, value in s3_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LATCH_SERVER", server.url)
    monkeypatch.setenv("LATCH_TOKEN", people.alice_token)
    monkeypatch.setattr(latch.s3, "_default", None)
    (tmp_path / "in").write_bytes(b"from the environment")
    key = key_of("env")
    policy_id = upload_file(str(tmp_path / "in"), bucket, key)
    download_file(bucket, key, str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == b"from the environment"
    assert policy_id.startswith(os.environ.get("LATCH_POLICY_PREFIX", ""))


def test_a_server_that_does_not_answer_times_out() -> None:
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = KeyServerClient(f"http://127.0.0.1:{port}", "t", timeout=0.5)
        with pytest.raises(ClientError) as caught:
            client.me()
    assert caught.value.code == "ERR_CLIENT_UNAVAILABLE"
    assert "did not answer within 0.5 s" in str(caught.value)
