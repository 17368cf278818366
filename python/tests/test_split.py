"""Files split across two key servers (issue 17), from Python: two real `latch server` processes
with their own kas ids (the session's server, and a second one started with `--kas-id kas-b`) on
Ceph RGW, and the Node CLI on the other side."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import latch.s3
from latch.errors import ClientError, KeyServerError
from latch.format import parse_header
from latch.key_servers import KeyServers
from latch.keyserver import KeyServerClient
from latch.policy_claim import split_policy_claim
from latch.s3 import LatchS3Client
from tests.conftest import LATCH_BIN, Server, s3_env, start_server

DATA = b"Jane Doe, 1 Main St, account 12345678\n" + secrets.token_bytes(150_000)


@dataclass
class Split:
    a: Server
    b: Server
    kas_a: str
    tokens: dict[str, tuple[str, str]] = field(repr=False)

    def client(self, who: str, s3: Any) -> LatchS3Client:
        """Someone's split client: a token on each server."""
        ta, tb = self.tokens[who]
        return LatchS3Client(
            s3, KeyServerClient(self.a.url, ta), split_with=KeyServerClient(self.b.url, tb)
        )

    def alone(self, name: str, who: str) -> KeyServerClient:
        """Someone's client of one server only."""
        server, token = (
            (self.a, self.tokens[who][0]) if name == "a" else (self.b, self.tokens[who][1])
        )
        return KeyServerClient(server.url, token)

    def env(self, who: str) -> dict[str, str]:
        """The CLI's environment in split mode (`latch put/get` with LATCH_SPLIT)."""
        ta, tb = self.tokens[who]
        return {
            **s3_env(),
            "LATCH_SPLIT": f"{self.a.url},{self.b.url}",
            "LATCH_SPLIT_TOKENS": f"{ta},{tb}",
        }


@pytest.fixture(scope="module")
def split(server: Server) -> Iterator[Split]:
    b = start_server("--kas-id", "kas-b")
    kas_a = str(server.admin().keys()["kasId"])
    assert kas_a != "kas-b"
    tag = secrets.token_hex(4)
    tokens = {}
    for who in ("owner", "bob"):
        email = f"{who}-{tag}@example.com"
        tokens[who] = (server.user(email)[1], b.user(email)[1])
    yield Split(server, b, kas_a, tokens)
    b.process.terminate()
    b.process.wait(10)
    shutil.rmtree(b.directory, ignore_errors=True)


def node_latch(env: dict[str, str], *args: str, home: Path) -> bytes:
    done = subprocess.run(
        ["node", str(LATCH_BIN), *args],
        env={"PATH": os.environ["PATH"], "HOME": str(home), **env},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def stored(s3: Any, bucket: str, key: str) -> bool:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)
    return any(item["Key"] == key for item in listed.get("Contents", []))


def test_python_split_put_opens_with_node_latch_get(
    split: Split, s3: Any, bucket: str, tmp_path: Path
) -> None:
    (tmp_path / "in").write_bytes(DATA)
    key = f"split/py-{secrets.token_hex(4)}"
    policy_id = split.client("owner", s3).upload_file(str(tmp_path / "in"), bucket, key)
    header = parse_header(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert [(e.sid, e.n, e.kas_id) for e in header.entries] == [
        (1, 2, split.kas_a),
        (2, 2, "kas-b"),
    ]
    assert header.policy_id == policy_id
    # each server holds the policy under that id, with the object registered
    for name in ("a", "b"):
        policy = split.alone(name, "owner").get_policy(policy_id)
        assert [(o["bucket"], o["key"]) for o in policy["objects"]] == [(bucket, key)]
    out = tmp_path / "node-out"
    node_latch(split.env("owner"), "get", f"s3://{bucket}/{key}", str(out), home=tmp_path)
    assert out.read_bytes() == DATA


def test_node_split_put_opens_in_python(split: Split, s3: Any, bucket: str, tmp_path: Path) -> None:
    (tmp_path / "in").write_bytes(DATA)
    key = f"split/node-{secrets.token_hex(4)}"
    url = f"s3://{bucket}/{key}"
    policy_id = node_latch(split.env("owner"), "put", str(tmp_path / "in"), url, home=tmp_path)
    owner = split.client("owner", s3)
    owner.download_file(bucket, key, str(tmp_path / "py-out"))
    assert (tmp_path / "py-out").read_bytes() == DATA
    got = owner.get_object(Bucket=bucket, Key=key, Range="bytes=70000-70099")
    assert got["Body"].read() == DATA[70000:70100]
    assert got["LatchPolicyId"] == policy_id.decode().strip()


def test_one_server_alone_cannot_read_and_asks_for_no_key(
    split: Split, s3: Any, bucket: str, tmp_path: Path
) -> None:
    key = f"split/alone-{secrets.token_hex(4)}"
    split.client("owner", s3).put_object(Bucket=bucket, Key=key, Body=DATA)
    for name in ("a", "b"):
        admin = split.a.admin() if name == "a" else split.b.admin()
        before = admin.call("GET", "/v1/audit/head")["size"]
        alone = LatchS3Client(s3, split.alone(name, "owner"))
        with pytest.raises(ClientError) as caught:
            alone.download_file(bucket, key, str(tmp_path / "out"))
        assert caught.value.code == "ERR_CLIENT_CONFIG_INVALID"
        assert "split across two key servers" in str(caught.value)
        with pytest.raises(ClientError):
            alone.get_object(Bucket=bucket, Key=key, Range="bytes=0-9")
        assert list(tmp_path.iterdir()) == []
        # no share was asked for (every key request is audited, released or denied)
        assert admin.call("GET", "/v1/audit/head")["size"] == before


def test_revocation_on_either_server_denies(split: Split, s3: Any, bucket: str) -> None:
    key = f"split/revoke-{secrets.token_hex(4)}"
    owner = split.client("owner", s3)
    policy_id = owner.put_object(Bucket=bucket, Key=key, Body=DATA)["LatchPolicyId"]

    def denied() -> bool:
        try:
            body: bytes = owner.get_object(Bucket=bucket, Key=key)["Body"].read()
        except KeyServerError as error:
            assert error.code == "ERR_ACCESS_DENIED"
            return True
        assert body == DATA
        return False

    assert not denied()
    for name in ("a", "b"):
        server = split.alone(name, "owner")
        server.revoke(policy_id, "incident")
        assert denied()
        server.unrevoke(policy_id)
        assert not denied()
    owner.revoke(policy_id)  # the split client revokes on both
    assert split.alone("a", "owner").get_policy(policy_id)["state"] == "revoked"
    assert split.alone("b", "owner").get_policy(policy_id)["state"] == "revoked"
    assert denied()


def test_sharing_needs_both_servers(split: Split, s3: Any, bucket: str) -> None:
    key = f"split/share-{secrets.token_hex(4)}"
    owner, bob = split.client("owner", s3), split.client("bob", s3)
    policy_id = owner.put_object(Bucket=bucket, Key=key, Body=b"for bob")["LatchPolicyId"]
    bob_email = str(bob.latch.me()["email"])
    split.alone("a", "owner").share(policy_id, bob_email)
    with pytest.raises(KeyServerError):  # server b still refuses him
        bob.get_object(Bucket=bucket, Key=key)
    owner.share(policy_id, bob_email)
    assert bob.get_object(Bucket=bucket, Key=key)["Body"].read() == b"for bob"


def test_policy_id_is_what_each_server_derives(split: Split) -> None:
    owner_a, owner_b = split.alone("a", "owner"), split.alone("b", "owner")
    claim = split_policy_claim((split.kas_a, "kas-b"))
    assert owner_a.create_policy(claim=claim.parts[0])["id"] == claim.policy_id
    assert owner_b.create_policy(claim=claim.parts[1])["id"] == claim.policy_id
    # a claim commits under its own server's kas id: sent to the other, it makes another id
    other = split_policy_claim((split.kas_a, "kas-b"))
    assert owner_b.create_policy(claim=other.parts[0])["id"] != other.policy_id


def test_a_split_needs_two_kas_ids_and_both_servers_up(split: Split, s3: Any, bucket: str) -> None:
    token = split.tokens["owner"][0]
    twice = LatchS3Client(
        s3, KeyServerClient(split.a.url, token), split_with=KeyServerClient(split.a.url, token)
    )
    key = f"split/refused-{secrets.token_hex(4)}"
    with pytest.raises(ClientError) as caught:
        twice.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert caught.value.code == "ERR_CLIENT_CONFIG_INVALID"
    assert "--kas-id" in str(caught.value)
    down = LatchS3Client(
        s3,
        split.alone("a", "owner"),
        split_with=KeyServerClient("http://127.0.0.1:9", "t", timeout=2),
    )
    with pytest.raises(ClientError) as unavailable:
        down.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert unavailable.value.code == "ERR_CLIENT_UNAVAILABLE"
    assert not stored(s3, bucket, key)


def test_one_client_reads_split_and_single_server_files_in_one_batch(
    split: Split, s3: Any, bucket: str
) -> None:
    owner = split.client("owner", s3)
    single = LatchS3Client(s3, split.alone("b", "owner"))
    headers = []
    for i, writer in enumerate([owner, owner, single, owner]):
        key = f"split/batch-{i}-{secrets.token_hex(4)}"
        writer.put_object(Bucket=bucket, Key=key, Body=bytes([i]) * 10)
        headers.append(parse_header(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    assert [len(h.entries) for h in headers] == [2, 2, 1, 2]
    keys = owner.key_servers.data_keys(headers)
    assert len(set(keys)) == 4
    assert keys == [owner.key_servers.data_key(h) for h in headers]
    assert keys[2] == single.latch.data_key(headers[2])


def test_split_from_the_environment(
    split: Split, s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in split.env("owner").items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LATCH_SERVER", raising=False)
    monkeypatch.setattr(latch.s3, "_default", None)
    (tmp_path / "in").write_bytes(b"from the environment")
    key = f"split/env-{secrets.token_hex(4)}"
    latch.s3.upload_file(str(tmp_path / "in"), bucket, key)
    header = parse_header(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert [e.kas_id for e in header.entries] == [split.kas_a, "kas-b"]
    latch.s3.download_file(bucket, key, str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == b"from the environment"
    ta = split.tokens["owner"][0]
    one_token = {"LATCH_SPLIT": f"{split.a.url},{split.b.url}", "LATCH_SPLIT_TOKENS": ta}
    with pytest.raises(ClientError) as caught:
        KeyServers.from_env(one_token)
    assert caught.value.code == "ERR_CLIENT_CONFIG_INVALID"
    assert split.b.url in str(caught.value)
    with pytest.raises(ClientError):
        KeyServers.from_env({"LATCH_SPLIT": split.a.url, "LATCH_SPLIT_TOKENS": ta})
