"""Both ways with the Node implementation: objects written by Python decrypt with `latch`, and
objects written by `latch` decrypt in Python, locally and through S3."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest

from latch.format import KeyServerRecipient, ObjectWriter, decrypt_chunks
from tests.conftest import LATCH_BIN, People, Server, s3_env

S = 65_536
SIZES = [0, 1, S - 1, S, S + 1, 3 * (1 << 20) + 5]


def latch_cli(server: Server, token: str, *args: str, home: Path) -> bytes:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LATCH_SERVER": server.url,
        "LATCH_TOKEN": token,
        **s3_env(),
    }
    done = subprocess.run(
        ["node", str(LATCH_BIN), *args], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


@pytest.mark.parametrize("size", SIZES)
def test_python_writes_latch_decrypts(
    size: int, people: People, server: Server, tmp_path: Path
) -> None:
    plain = secrets.token_bytes(size)
    keys = people.alice.latch
    policy = keys.create_policy()
    writer = ObjectWriter(str(policy["id"]), [[keys.recipient()]])
    (tmp_path / "obj").write_bytes(b"".join(writer.encrypt_chunks([plain])))
    latch_cli(
        server,
        people.alice_token,
        "decrypt",
        str(tmp_path / "obj"),
        "-o",
        str(tmp_path / "out"),
        home=tmp_path,
    )
    assert (tmp_path / "out").read_bytes() == plain


@pytest.mark.parametrize("size", SIZES)
def test_latch_writes_python_decrypts(
    size: int, people: People, server: Server, tmp_path: Path
) -> None:
    plain = secrets.token_bytes(size)
    (tmp_path / "in").write_bytes(plain)
    latch_cli(
        server,
        people.alice_token,
        "encrypt",
        str(tmp_path / "in"),
        "-o",
        str(tmp_path / "obj"),
        home=tmp_path,
    )
    obj = (tmp_path / "obj").read_bytes()
    chunks = (obj[i : i + 10_000] for i in range(0, len(obj), 10_000))
    assert b"".join(decrypt_chunks(chunks, people.alice.latch.data_key)) == plain


def test_through_s3_both_ways(
    people: People, server: Server, s3: Any, bucket: str, tmp_path: Path
) -> None:
    plain = secrets.token_bytes(2 * S + 3)
    (tmp_path / "in").write_bytes(plain)
    key = f"py-to-node-{secrets.token_hex(4)}"
    people.alice.upload_file(str(tmp_path / "in"), bucket, key)
    latch_cli(
        server,
        people.alice_token,
        "get",
        f"s3://{bucket}/{key}",
        str(tmp_path / "node-out"),
        home=tmp_path,
    )
    assert (tmp_path / "node-out").read_bytes() == plain
    ranged = latch_cli(
        server,
        people.alice_token,
        "get",
        f"s3://{bucket}/{key}",
        "-",
        "--range",
        "-10",
        home=tmp_path,
    )
    assert ranged == plain[-10:]

    key = f"node-to-py-{secrets.token_hex(4)}"
    policy_id = (
        latch_cli(
            server,
            people.alice_token,
            "put",
            str(tmp_path / "in"),
            f"s3://{bucket}/{key}",
            home=tmp_path,
        )
        .decode()
        .strip()
    )
    people.alice.download_file(bucket, key, str(tmp_path / "py-out"))
    assert (tmp_path / "py-out").read_bytes() == plain
    got = people.alice.get_object(Bucket=bucket, Key=key, Range="bytes=-10")
    assert got["Body"].read() == plain[-10:]
    assert got["LatchPolicyId"] == policy_id


def test_recipient_is_the_servers_current_key(people: People) -> None:
    recipient = people.alice.latch.recipient()
    assert isinstance(recipient, KeyServerRecipient) and len(recipient.public_key) == 32
