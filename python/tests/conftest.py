"""Real services for the tests: Ceph RGW from LATCH_TEST_S3_* (scripts/python-tests.sh starts one
when unset) and a real `latch server` started from the built CLI, as the Node tests do."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from latch.keyserver import KeyServerClient
from latch.s3 import LatchS3Client, create_s3_client

ROOT = Path(__file__).resolve().parents[2]
LATCH_BIN = ROOT / "packages" / "cli" / "dist" / "bin.js"


@dataclass
class Server:
    url: str
    admin_token: str = field(repr=False)
    process: subprocess.Popen[str]
    directory: str

    def admin(self) -> KeyServerClient:
        return KeyServerClient(self.url, self.admin_token)

    def user(self, email: str) -> tuple[KeyServerClient, str]:
        """A new user and its first API token."""
        minted = self.admin().call("POST", "/v1/users", {"email": email})
        return KeyServerClient(self.url, minted["token"]), minted["token"]


def start_server(*extra: str) -> Server:
    if not LATCH_BIN.exists():
        pytest.fail(f"{LATCH_BIN} is missing: run `npm run build` first")
    directory = tempfile.mkdtemp(prefix="latch-py-server-")
    process = subprocess.Popen(
        [
            "node",
            str(LATCH_BIN),
            "server",
            "--data",
            directory,
            "--port",
            "0",
            "--log-level",
            "warn",
            "--rate-limit",
            "1000000000",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    url = None
    lines: list[str] = []
    while url is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"listening on (http://\S+)", line)
        url = found[1] if found else None
    if url is None:
        process.kill()
        pytest.fail("latch server did not start: " + "".join(lines))
    # keep draining stderr so the server never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in process.stderr or []], daemon=True).start()
    token = (Path(directory) / "admin.token").read_text().strip()
    return Server(url, token, process, directory)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    started = start_server()
    yield started
    started.process.terminate()
    started.process.wait(10)
    shutil.rmtree(started.directory, ignore_errors=True)


def s3_env() -> dict[str, str]:
    endpoint = os.environ.get("LATCH_TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.fail("LATCH_TEST_S3_ENDPOINT is not set: run scripts/python-tests.sh")
    return {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": os.environ["LATCH_TEST_S3_ACCESS_KEY"],
        "AWS_SECRET_ACCESS_KEY": os.environ["LATCH_TEST_S3_SECRET_KEY"],
        "AWS_REGION": os.environ.get("LATCH_TEST_S3_REGION", "us-east-1"),
    }


@pytest.fixture(scope="session")
def s3() -> Any:
    env = s3_env()
    return create_s3_client(
        endpoint_url=env["AWS_ENDPOINT_URL_S3"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )


@pytest.fixture(scope="session")
def bucket(s3: Any) -> Iterator[str]:
    name = f"latch-py-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name)
    yield name
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


@dataclass
class People:
    alice: LatchS3Client
    bob: LatchS3Client
    carol: LatchS3Client
    alice_token: str = field(repr=False)


@pytest.fixture(scope="session")
def people(server: Server, s3: Any) -> People:
    tag = secrets.token_hex(4)
    alice, alice_token = server.user(f"alice-{tag}@example.com")
    bob, _ = server.user(f"bob-{tag}@example.com")
    carol, _ = server.user(f"carol-{tag}@example.com")
    return People(
        LatchS3Client(s3, alice), LatchS3Client(s3, bob), LatchS3Client(s3, carol), alice_token
    )


def email_of(client: LatchS3Client) -> str:
    return str(client.latch.me()["email"])
