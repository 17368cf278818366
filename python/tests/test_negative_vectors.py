"""Every negative vector: the stage of the first failing check, the code of each path, and what
a streaming reader released (only verified segments)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from latch.errors import FormatError
from latch.format import (
    KeyResolver,
    SegmentDecryptor,
    decrypt_bytes,
    decrypt_chunks,
    derive_object_keys,
    open_header,
    parse_header,
    plaintext_size,
)
from tests.vectors import dek_resolver, key_server_resolver, load, load_keys, object_of, pattern

KEYS = load_keys()
VECTORS = load("negative")
EMPTY = hashlib.sha256(b"").hexdigest()


def stage_of(obj: bytes, resolve: KeyResolver) -> str:
    """Runs the checks one at a time in the spec's order and names the first that fails."""
    try:
        header = parse_header(obj)
    except FormatError:
        return "header failure"
    try:
        dek = resolve(header)
    except FormatError:
        return "kas deny"
    derived = derive_object_keys(dek, header.salt, header.core_hash)
    if not hmac.compare_digest(derived.commitment, header.commitment):
        return "commitment failure"
    try:
        keys = open_header(header, dek)
    except FormatError:
        return "header-mac failure"
    try:
        plaintext_size(len(obj), len(header.raw))
        decryptor = SegmentDecryptor(keys.payload_key)
        for _ in decryptor.push(obj[len(header.raw) :]):
            pass
        decryptor.finish()
    except FormatError as error:
        return "length failure" if error.code == "ERR_FORMAT_LENGTH_INVALID" else "payload failure"
    return "success"


def test_cover_groups() -> None:
    assert {"A", "B", "C", "D", "E", "G", "H"} <= {v["group"] for v in VECTORS}
    assert len(VECTORS) >= 100


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["name"]) for v in VECTORS])
def test_negative(vector: dict[str, Any]) -> None:
    obj = object_of(vector)
    resolver = key_server_resolver(KEYS, vector.get("kas_preference", ()))
    assert stage_of(obj, resolver) == vector["expect"]
    if "expect_with_dek" in vector:
        assert (
            stage_of(obj, dek_resolver(bytes.fromhex(vector["dek"]))) == vector["expect_with_dek"]
        )

    # Whole buffer: the declared code, nothing released.
    with pytest.raises(FormatError) as caught:
        decrypt_bytes(obj, resolver)
    assert caught.value.code == vector.get("buffer_code", vector["code"])

    # Streams in several chunkings: the code and exactly the verified segments before the failure.
    for chunk in [1, 7, 4096, 65_552, 1 << 20]:
        released = bytearray()
        pieces = (obj[i : i + chunk] for i in range(0, len(obj), chunk))
        with pytest.raises(FormatError) as caught:
            for out in decrypt_chunks(pieces, resolver):
                released += out
        assert caught.value.code == vector["code"], chunk
        assert len(released) == vector["released_length"]
        assert released == pattern(0, len(released))
        assert hashlib.sha256(released).hexdigest() == vector["released_sha256"]
