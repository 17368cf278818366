"""The key-entry JWE profile (docs/FORMAT.md §6): ECDH-ES+A256KW on X25519 with A256GCM.

Composed from ``cryptography`` primitives (X25519, Concat KDF, AES key wrap, AES-GCM) because no
JOSE library enforces this exact profile (canonical protected header, binding members).
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import FormatError, argument_invalid, decrypt_failed, header_invalid
from .b64 import b64u_decode, b64u_encode
from .constants import (
    KEY_SIZE,
    MAX_JWE_SIZE,
    MAX_KAS_ID_SIZE,
    MAX_POLICY_ID_SIZE,
    MAX_SHARES,
    is_id,
)

ALG = "ECDH-ES+A256KW"
_OTHER_INFO = struct.pack(">I", len(ALG)) + ALG.encode() + struct.pack(">III", 0, 0, 256)


@dataclass(frozen=True)
class ShareBinding:
    """What binds a wrapped share to one object (``oid`` and ``hc`` are base64url)."""

    policy_id: str
    oid: str
    hc: str
    sid: int
    n: int


@dataclass(frozen=True)
class CompactJwe:
    """A parsed key-entry JWE: its checked protected header and raw parts."""

    kid: str
    binding: ShareBinding
    epk: bytes
    protected_part: str
    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes


def serialize_protected_header(kid: str, binding: ShareBinding, epk_x: str) -> str:
    """The canonical JSON of a protected header: these members, this order, no white space."""
    return json.dumps(
        {
            "alg": ALG,
            "enc": "A256GCM",
            "kid": kid,
            "pid": binding.policy_id,
            "oid": binding.oid,
            "sid": binding.sid,
            "n": binding.n,
            "hc": binding.hc,
            "v": 1,
            "epk": {"x": epk_x, "crv": "X25519", "kty": "OKP"},
        },
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def _is_share_index(value: object) -> bool:
    # bool is an int in Python; JSON true must not pass for 1
    return type(value) is int and 1 <= value <= MAX_SHARES


def _is_b64u_of(value: object, size: int) -> bool:
    if not isinstance(value, str):
        return False
    data = b64u_decode(value)
    return data is not None and len(data) == size


def parse_compact_jwe(jwe: str) -> CompactJwe:
    """Parses a JWE under the profile: five canonical parts of exact sizes and a protected header
    whose re-serialization equals its bytes.

    Raises FormatError ``ERR_FORMAT_HEADER_INVALID``.
    """
    if len(jwe) > MAX_JWE_SIZE:
        raise header_invalid("JWE longer than 2,048 characters")
    parts = jwe.split(".")
    if len(parts) != 5:
        raise header_invalid("JWE must have five parts")
    decoded = [b64u_decode(p) for p in parts]
    protected, encrypted_key, iv, ciphertext, tag = decoded
    if (
        protected is None
        or encrypted_key is None
        or len(encrypted_key) != 40
        or iv is None
        or len(iv) != 12
        or ciphertext is None
        or len(ciphertext) != 32
        or tag is None
        or len(tag) != 16
    ):
        raise header_invalid("JWE part is not canonical base64url of the expected size")
    try:
        text = protected.decode("utf-8")
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise header_invalid("JWE protected header is not JSON") from None
    if not isinstance(value, dict):
        raise header_invalid("JWE protected header is not an object")
    if value.get("alg") != ALG or value.get("enc") != "A256GCM":
        raise header_invalid("JWE algorithm not allowed")
    v = value.get("v")
    if type(v) is not int or v != 1:
        raise header_invalid("JWE profile version not supported")
    kid, pid = value.get("kid"), value.get("pid")
    if not is_id(kid, MAX_KAS_ID_SIZE) or not is_id(pid, MAX_POLICY_ID_SIZE):
        raise header_invalid("bad kid or pid")
    oid, hc = value.get("oid"), value.get("hc")
    if not _is_b64u_of(oid, 16) or not _is_b64u_of(hc, 32):
        raise header_invalid("bad oid or hc")
    sid, n = value.get("sid"), value.get("n")
    if not (isinstance(sid, int) and isinstance(n, int)):
        raise header_invalid("bad sid or n")
    if not _is_share_index(sid) or not _is_share_index(n) or sid > n:
        raise header_invalid("bad sid or n")
    epk = value.get("epk")
    if (
        not isinstance(epk, dict)
        or epk.get("kty") != "OKP"
        or epk.get("crv") != "X25519"
        or not _is_b64u_of(epk.get("x"), 32)
    ):
        raise header_invalid("bad epk")
    assert isinstance(kid, str) and isinstance(pid, str) and isinstance(oid, str)
    assert isinstance(hc, str) and isinstance(sid, int) and isinstance(n, int)
    epk_x = epk["x"]
    binding = ShareBinding(pid, oid, hc, sid, n)
    if serialize_protected_header(kid, binding, epk_x) != text:
        raise header_invalid("JWE protected header not canonical")
    epk_bytes = b64u_decode(epk_x)
    assert epk_bytes is not None
    return CompactJwe(kid, binding, epk_bytes, parts[0], encrypted_key, iv, ciphertext, tag)


def _kek(private_key: X25519PrivateKey, public_key: X25519PublicKey) -> bytes:
    try:
        secret = private_key.exchange(public_key)
    except ValueError:
        # cryptography refuses the all-zero secret of a small-order point (RFC 7748 §6.1)
        raise argument_invalid("public key of small order") from None
    return ConcatKDFHash(hashes.SHA256(), KEY_SIZE, _OTHER_INFO).derive(secret)


def wrap_share(
    share: bytes,
    kid: str,
    public_key: bytes,
    binding: ShareBinding,
    *,
    ephemeral_private_key: bytes | None = None,
    cek: bytes | None = None,
    iv: bytes | None = None,
) -> str:
    """Wraps a 32-byte share to an X25519 public key (raw 32 bytes) as a compact JWE.

    The optional material fixes the randomness, for the known-answer vectors only.
    """
    if len(share) != KEY_SIZE or len(public_key) != 32:
        raise argument_invalid("share and public key must be 32 bytes")
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_private_key or os.urandom(32))
    kek = _kek(ephemeral, X25519PublicKey.from_public_bytes(public_key))
    epk_x = b64u_encode(ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    protected = b64u_encode(serialize_protected_header(kid, binding, epk_x).encode())
    cek = cek or os.urandom(KEY_SIZE)
    iv = iv or os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, share, protected.encode("ascii"))
    return ".".join(
        [
            protected,
            b64u_encode(aes_key_wrap(kek, cek)),
            b64u_encode(iv),
            b64u_encode(sealed[:-16]),
            b64u_encode(sealed[-16:]),
        ]
    )


def open_share(jwe: CompactJwe, private_key: bytes, expected: ShareBinding) -> bytes:
    """Opens a parsed JWE with a raw X25519 private key and checks its binding.

    Raises FormatError ``ERR_FORMAT_DECRYPT_FAILED`` for every failure after parsing.
    """
    try:
        kek = _kek(
            X25519PrivateKey.from_private_bytes(private_key),
            X25519PublicKey.from_public_bytes(jwe.epk),
        )
        cek = aes_key_unwrap(kek, jwe.encrypted_key)
        share = AESGCM(cek).decrypt(
            jwe.iv, jwe.ciphertext + jwe.tag, jwe.protected_part.encode("ascii")
        )
    except (InvalidTag, InvalidUnwrap, ValueError, FormatError):
        raise decrypt_failed() from None
    if jwe.binding != expected:
        raise decrypt_failed()
    return share
