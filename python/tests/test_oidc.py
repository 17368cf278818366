"""An OIDC access token from a real provider works as the bearer, like an API token."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from latch.keyserver import KeyServerClient
from latch.s3 import LatchS3Client
from tests.conftest import ROOT, start_server


def test_oidc_bearer_token(s3: Any, bucket: str) -> None:
    idp = subprocess.Popen(
        ["node", str(Path(__file__).with_name("oidc_idp.mjs"))],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert idp.stdout is not None
        info = json.loads(idp.stdout.readline())
        server = start_server("--oidc-issuer", info["issuer"], "--oidc-audience", info["audience"])
        try:
            server.admin().call("POST", "/v1/users", {"email": "dana@example.com"})
            dana = KeyServerClient(server.url, info["token"])
            me = dana.me()
            assert me["email"] == "dana@example.com" and me["scheme"] == "oidc"
            client = LatchS3Client(s3, dana)
            put = client.put_object(Bucket=bucket, Key="oidc-object", Body=b"via oidc")
            assert client.get_object(Bucket=bucket, Key="oidc-object")["Body"].read() == b"via oidc"
            assert client.policy_show(put["LatchPolicyId"])["owner"] == "dana@example.com"
        finally:
            server.process.terminate()
            server.process.wait(10)
            shutil.rmtree(server.directory, ignore_errors=True)
    finally:
        if idp.stdin is not None:
            idp.stdin.close()
        idp.wait(10)
