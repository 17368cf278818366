"""Every known-answer vector: keys, byte-identical encryption, whole-buffer and streaming reads."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from latch.format import (
    KeyServerRecipient,
    ObjectMaterial,
    ObjectWriter,
    WrapMaterial,
    decrypt_bytes,
    decrypt_chunks,
    derive_object_keys,
    parse_header,
)
from tests.vectors import key_server_resolver, load, load_keys, object_of, pattern_chunks

KEYS = load_keys()
VECTORS = load("known-answer")
RESOLVER = key_server_resolver(KEYS)


def writer_for(vector: dict[str, Any]) -> ObjectWriter:
    def recipient(kid: str) -> KeyServerRecipient:
        key = next(k for k in KEYS if k["kid"] == kid)
        return KeyServerRecipient(key["kas_id"], kid, bytes.fromhex(key["public_key"]))

    material = vector["material"]
    return ObjectWriter(
        vector["policy_id"],
        [[recipient(kid) for kid in kids] for kids in vector["shares_to"]],
        ObjectMaterial(
            bytes.fromhex(material["object_id"]),
            bytes.fromhex(material["salt"]),
            [bytes.fromhex(s) for s in material["shares"]],
            [
                WrapMaterial(
                    bytes.fromhex(w["ephemeral_private_key"]),
                    bytes.fromhex(w["cek"]),
                    bytes.fromhex(w["iv"]),
                )
                for w in material["wraps"]
            ],
        ),
    )


def test_cover_every_required_size() -> None:
    s = 65_536
    lengths = {v["plaintext_length"] for v in VECTORS}
    for length in [0, 1, s - 1, s, s + 1, 2 * s - 1, 2 * s, 256 * s, 65_536 * s]:
        assert length in lengths
    assert len(VECTORS) >= 20


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["name"]) for v in VECTORS])
def test_known_answer(vector: dict[str, Any]) -> None:
    dek = bytes.fromhex(vector["dek"])
    keys = derive_object_keys(
        dek, bytes.fromhex(vector["material"]["salt"]), bytes.fromhex(vector["core_hash"])
    )
    assert keys.payload_key.hex() == vector["payload_key"]
    assert keys.commitment.hex() == vector["commitment"]
    assert keys.mac_key.hex() == vector["mac_key"]

    # Encryption with the vector's material is byte-identical.
    length = vector["plaintext_length"]
    writer = writer_for(vector)
    assert writer.header.hex() == vector["header"]
    digest = hashlib.sha256()
    size = 0
    whole = bytearray() if "object" in vector else None
    for piece in writer.encrypt_chunks(pattern_chunks(length)):
        digest.update(piece)
        size += len(piece)
        if whole is not None:
            whole += piece
    assert size == vector["object_size"]
    assert digest.hexdigest() == vector["object_sha256"]
    if whole is None:
        return  # the stored object is only the header: the streaming decryption below needs it
    obj = object_of(vector)
    assert bytes(whole) == obj
    assert parse_header(obj).core_hash.hex() == vector["core_hash"]

    # Whole buffer, then streams in several chunkings (one byte at a time included).
    plaintext = decrypt_bytes(obj, RESOLVER)
    assert hashlib.sha256(plaintext).hexdigest() == vector["plaintext_sha256"]
    chunkings = [1, 7, 4096, 65_552, 1 << 20] if len(obj) <= 300_000 else [4096, 65_552, 1 << 20]
    for chunk in chunkings:
        pieces = (obj[i : i + chunk] for i in range(0, len(obj), chunk))
        streamed = hashlib.sha256()
        for out in decrypt_chunks(pieces, RESOLVER):
            streamed.update(out)
        assert streamed.hexdigest() == vector["plaintext_sha256"], chunk


@pytest.mark.parametrize(
    "vector", [pytest.param(v, id=v["name"]) for v in VECTORS if "object" not in v]
)
def test_large_vector_decrypts_streaming(vector: dict[str, Any]) -> None:
    """Vectors stored without their object (the 4 GiB one included, about 10 s): re-made from the
    material, then streamed back."""
    writer = writer_for(vector)
    chunks = writer.encrypt_chunks(pattern_chunks(vector["plaintext_length"]))
    digest = hashlib.sha256()
    for out in decrypt_chunks(chunks, RESOLVER):
        digest.update(out)
    assert digest.hexdigest() == vector["plaintext_sha256"]
