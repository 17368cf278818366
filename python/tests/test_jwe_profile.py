"""The JWE profile's JSON checks that a Python parser needs beyond re-serialization."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from latch.errors import FormatError
from latch.format import ShareBinding, open_share, parse_compact_jwe, wrap_share
from latch.format.b64 import b64u_decode, b64u_encode

BINDING = ShareBinding("policy-1", b64u_encode(b"\x01" * 16), b64u_encode(b"\x02" * 32), 1, 1)


def jwe_with(old: str, new: str) -> tuple[str, bytes]:
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwe = wrap_share(os.urandom(32), "kid-1", public, BINDING)
    protected = b64u_decode(jwe.split(".")[0])
    assert protected is not None
    edited = protected.decode().replace(old, new)
    assert old in protected.decode()
    return ".".join(
        [b64u_encode(edited.encode()), *jwe.split(".")[1:]]
    ), private.private_bytes_raw()


def test_a_well_formed_jwe_opens() -> None:
    jwe, private = jwe_with('"kid":"kid-1"', '"kid":"kid-1"')
    assert len(open_share(parse_compact_jwe(jwe), private, BINDING)) == 32


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"sid":1', '"sid":true'),
        ('"n":1', '"n":true'),
        ('"v":1', '"v":true'),
        ('"sid":1', '"sid":1.0'),
        ('"n":1', '"n":1e0'),
        ('"sid":1', '"sid":"1"'),
        ('"v":1', '"v":1,"v":1'),
        ('"alg":"ECDH-ES+A256KW",', '"alg": "ECDH-ES+A256KW",'),
    ],
)
def test_non_integer_or_non_canonical_members_are_refused(old: str, new: str) -> None:
    jwe, _ = jwe_with(old, new)
    with pytest.raises(FormatError) as caught:
        parse_compact_jwe(jwe)
    assert caught.value.code == "ERR_FORMAT_HEADER_INVALID"
