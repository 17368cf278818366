"""Benchmarks of the Python client (not a test): figures go in docs/PERFORMANCE.md.

    python/.venv/bin/python python/bench/bench.py crypto          # no services
    python/.venv/bin/python python/bench/bench.py s3      # LATCH_TEST_S3_*, LATCH_SERVER/TOKEN
        (BENCH_PART_MIB, default 8, and BENCH_CONCURRENCY, default 4, for both sides; or
        BENCH_CONFIG=defaults: Latch without Config against boto3's default TransferConfig)
    python/.venv/bin/python python/bench/bench.py rss-upload FILE BUCKET KEY   (one process each)
    python/.venv/bin/python python/bench/bench.py split   # LATCH_TEST_S3_*, LATCH_SERVER/TOKEN,
        LATCH_SPLIT/LATCH_SPLIT_TOKENS: small objects split across two key servers against the
        first server alone

Each figure is a ratio to a baseline measured in the same run: raw ``cryptography`` AES-GCM over
the same 64 KiB segments for the format, plain boto3 on the same Ceph for S3.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from latch.format import KeyServerRecipient, ObjectWriter, decrypt_chunks
from latch.format.header import Header

MIB = 1 << 20
S = 65_536


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def report(what: str, mib: float, seconds: float, baseline: str, base_seconds: float) -> None:
    print(
        f"{what} {mib:.0f} MiB: latch {mib / seconds:.0f} MiB/s, "
        f"{baseline} {mib / base_seconds:.0f} MiB/s, ratio {base_seconds / seconds:.2f}x"
    )


def crypto(size: int = 256 * MIB) -> None:
    plain = os.urandom(S) * (size // S)
    chunks = [plain[i : i + MIB] for i in range(0, size, MIB)]
    key = os.urandom(32)
    aead = AESGCM(key)
    nonce = b"\x00" * 12

    def raw_encrypt() -> None:
        for i in range(0, size, S):
            aead.encrypt(nonce, memoryview(plain)[i : i + S], None)

    sealed = [aead.encrypt(nonce, plain[i : i + S], None) for i in range(0, size, S)]

    def raw_decrypt() -> None:
        for piece in sealed:
            aead.decrypt(nonce, piece, None)

    recipient_key = os.urandom(32)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = X25519PrivateKey.from_private_bytes(recipient_key)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    recipient = KeyServerRecipient("kas", "kid-1", public)
    obj: list[bytes] = []

    def latch_encrypt() -> None:
        # like the baseline, each sealed segment is dropped once made
        for _ in ObjectWriter("bench", [[recipient]]).encrypt_chunks(chunks):
            pass

    obj.extend(ObjectWriter("bench", [[recipient]]).encrypt_chunks(chunks))
    from latch.format import combine_shares, open_share, parse_compact_jwe

    def resolve(h: Header) -> bytes:
        jwe = parse_compact_jwe(h.entries[0].jwe)
        return combine_shares([open_share(jwe, recipient_key, h.binding(1, 1))])

    def latch_decrypt() -> None:
        for _ in decrypt_chunks(pieces, resolve):
            pass

    body = b"".join(obj)
    pieces = [body[i : i + MIB] for i in range(0, len(body), MIB)]
    re_ = best(raw_encrypt)
    le = best(latch_encrypt)
    rd = best(raw_decrypt)
    ld = best(latch_decrypt)
    mb = size / MIB
    report("format encrypt", mb, le, "raw AES-GCM", re_)
    report("format decrypt", mb, ld, "raw AES-GCM", rd)


def s3(size: int = 256 * MIB, rounds: int = 3) -> None:
    """Latch against plain boto3 with the same TransferConfig (parts, concurrency, threshold).
    Rounds alternate which goes first, so a load that drifts during the run weighs on both."""
    import boto3.s3.transfer

    from latch.keyserver import KeyServerClient
    from latch.s3 import LatchS3Client, create_s3_client

    client = create_s3_client(
        endpoint_url=os.environ["LATCH_TEST_S3_ENDPOINT"],
        aws_access_key_id=os.environ["LATCH_TEST_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["LATCH_TEST_S3_SECRET_KEY"],
        region_name=os.environ.get("LATCH_TEST_S3_REGION", "us-east-1"),
    )
    latch = LatchS3Client(client, KeyServerClient.from_env())
    bucket = f"latch-py-bench-{os.getpid()}"
    client.create_bucket(Bucket=bucket)
    part = int(os.environ.get("BENCH_PART_MIB", "8")) * MIB
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "4"))
    config = boto3.s3.transfer.TransferConfig(
        multipart_threshold=part, multipart_chunksize=part, max_concurrency=concurrency
    )
    latch_config: boto3.s3.transfer.TransferConfig | None = config
    if os.environ.get("BENCH_CONFIG") == "defaults":
        # each side's own defaults: Latch 5 MiB parts, 4 at once; boto3 8 MiB parts, 10 at once
        config, latch_config = boto3.s3.transfer.TransferConfig(), None
        print("s3: no Config for Latch, boto3's default TransferConfig for boto3")
    else:
        print(f"s3: {part // MIB} MiB parts, {concurrency} at once, for both")

    def timed(fn: Callable[[], object]) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "in")
        with open(source, "wb") as f:
            for _ in range(size // MIB):
                f.write(os.urandom(MIB))
        out = os.path.join(tmp, "out")
        put = {
            "plain": lambda: client.upload_file(source, bucket, "plain", Config=config),
            "latch": lambda: latch.upload_file(source, bucket, "latch", Config=latch_config),
        }
        get = {
            "plain": lambda: client.download_file(bucket, "plain", out, Config=config),
            "latch": lambda: latch.download_file(bucket, "latch", out, Config=latch_config),
        }
        rows: dict[str, list[float]] = {k: [] for k in ("pu", "lu", "pd", "ld")}
        for i in range(rounds):
            order = ("plain", "latch") if i % 2 == 0 else ("latch", "plain")
            for name in order:
                rows["pu" if name == "plain" else "lu"].append(timed(put[name]))
            for name in order:
                rows["pd" if name == "plain" else "ld"].append(timed(get[name]))
            for key in ("plain", "latch"):
                client.delete_object(Bucket=bucket, Key=key)
            mb = size / MIB
            print(
                f"  round {i + 1}: put {mb / rows['lu'][-1]:.0f} vs {mb / rows['pu'][-1]:.0f} "
                f"MiB/s, get {mb / rows['ld'][-1]:.0f} vs {mb / rows['pd'][-1]:.0f} MiB/s"
            )
        pu, lu, pd, ld = (statistics.median(rows[k]) for k in ("pu", "lu", "pd", "ld"))
        mb = size / MIB
        report("s3 put", mb, lu, "boto3 upload_file", pu)
        report("s3 get", mb, ld, "boto3 download_file", pd)
    client.delete_bucket(Bucket=bucket)


def split(objects: int = 20, rounds: int = 5, size: int = 1024) -> None:
    """The fixed cost of a split: put_object and get_object of small objects with the key split
    across two key servers (LATCH_SPLIT) against the first server alone (LATCH_SERVER), rounds
    alternating which goes first; medians of the rounds' per-object times."""
    from latch.key_servers import KeyServers
    from latch.keyserver import KeyServerClient
    from latch.s3 import LatchS3Client, create_s3_client

    client = create_s3_client(
        endpoint_url=os.environ["LATCH_TEST_S3_ENDPOINT"],
        aws_access_key_id=os.environ["LATCH_TEST_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["LATCH_TEST_S3_SECRET_KEY"],
        region_name=os.environ.get("LATCH_TEST_S3_REGION", "us-east-1"),
    )
    clients = {
        "one": LatchS3Client(client, KeyServerClient.from_env()),
        "split": LatchS3Client(client, *KeyServers.from_env().servers),
    }
    bucket = f"latch-py-bench-split-{os.getpid()}"
    client.create_bucket(Bucket=bucket)
    body = os.urandom(size)
    rows: dict[str, list[float]] = {f"{k}-{m}": [] for k in ("put", "get") for m in clients}
    for name, latch in clients.items():  # warm: keys cached, connections open
        latch.put_object(Bucket=bucket, Key=f"warm-{name}", Body=body)
        latch.get_object(Bucket=bucket, Key=f"warm-{name}")["Body"].read()
    for r in range(rounds):
        for name in ("one", "split") if r % 2 == 0 else ("split", "one"):
            latch = clients[name]
            t0 = time.perf_counter()
            for i in range(objects):
                latch.put_object(Bucket=bucket, Key=f"{name}-{r}-{i}", Body=body)
            t1 = time.perf_counter()
            for i in range(objects):
                latch.get_object(Bucket=bucket, Key=f"{name}-{r}-{i}")["Body"].read()
            t2 = time.perf_counter()
            rows[f"put-{name}"].append((t1 - t0) / objects)
            rows[f"get-{name}"].append((t2 - t1) / objects)
    for what in ("put", "get"):
        ones, twos = rows[f"{what}-one"], rows[f"{what}-split"]
        one, two = statistics.median(ones), statistics.median(twos)
        each = ", ".join(f"{b / a:.2f}" for a, b in zip(ones, twos, strict=True))
        print(
            f"{what}_object {size} B: one server {one * 1000:.1f} ms, split {two * 1000:.1f} ms,"
            f" ratio {two / one:.2f}x (rounds: {each})"
        )
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


def rss(kind: str, path: str, bucket: str, key: str) -> None:
    from latch.keyserver import KeyServerClient
    from latch.s3 import LatchS3Client, create_s3_client

    client = create_s3_client(
        endpoint_url=os.environ["LATCH_TEST_S3_ENDPOINT"],
        aws_access_key_id=os.environ["LATCH_TEST_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["LATCH_TEST_S3_SECRET_KEY"],
        region_name=os.environ.get("LATCH_TEST_S3_REGION", "us-east-1"),
    )
    latch = LatchS3Client(client, KeyServerClient.from_env())
    t0 = time.perf_counter()
    if kind == "rss-upload":
        latch.upload_file(path, bucket, key)
    else:
        latch.download_file(bucket, key, path)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{kind} {os.path.getsize(path) / MIB:.0f} MiB: peak RSS {peak:.0f} MiB, {seconds:.1f} s")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "crypto":
        crypto()
    elif what == "s3":
        s3()
    elif what == "split":
        split()
    else:
        rss(what, *sys.argv[2:5])
