"""The header (docs/FORMAT.md §3, §4, §7 step 1): parse, encode, derive keys, authenticate."""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import FormatError, argument_invalid, decrypt_failed, header_invalid
from .b64 import b64u_encode
from .constants import (
    COMMITMENT_SIZE,
    CORE_FIXED_SIZE,
    HEADER_PREFIX_SIZE,
    KEY_SIZE,
    MAC_SIZE,
    MAGIC,
    MAX_ENTRIES,
    MAX_HEADER_SIZE,
    MAX_JWE_SIZE,
    MAX_KAS_ID_SIZE,
    MAX_POLICY_ID_SIZE,
    MAX_SHARES,
    MIN_HEADER_SIZE,
    OBJECT_ID_SIZE,
    SALT_SIZE,
    SEGMENT_LOG2,
    SUITE,
    VERSION,
    is_id,
)
from .jwe import ShareBinding, parse_compact_jwe

_KEYS_INFO = b"latch/v1 keys\x00"


@dataclass(frozen=True)
class KeyEntry:
    """One key entry: share ``sid`` of ``n`` wrapped to key server ``kas_id``."""

    sid: int
    n: int
    kas_id: str
    jwe: str


@dataclass(frozen=True)
class Header:
    """A parsed (not yet authenticated) header."""

    object_id: bytes
    salt: bytes
    policy_id: str
    core: bytes
    core_hash: bytes
    entries: tuple[KeyEntry, ...]
    commitment: bytes
    mac: bytes
    raw: bytes

    def binding(self, sid: int, n: int) -> ShareBinding:
        """The binding every JWE of share ``sid`` must carry."""
        return ShareBinding(
            self.policy_id, b64u_encode(self.object_id), b64u_encode(self.core_hash), sid, n
        )


@dataclass(frozen=True)
class ObjectKeys:
    """The keys derived from the data key: payload key, commitment, header-MAC key."""

    payload_key: bytes
    commitment: bytes
    mac_key: bytes


def check_prefix(data: bytes) -> None:
    """Checks magic, version, suite and segment size."""
    if data[:4] != MAGIC:
        raise header_invalid("not a Latch object (bad magic)")
    if data[4] != VERSION:
        raise FormatError("ERR_FORMAT_VERSION_UNSUPPORTED", f"unsupported format version {data[4]}")
    if struct.unpack(">H", data[5:7])[0] != SUITE or data[7] != SEGMENT_LOG2:
        raise FormatError("ERR_FORMAT_VERSION_UNSUPPORTED", "unsupported suite or segment size")


def read_header_size(prefix: bytes) -> int:
    """``header_len`` from an object's first 12 bytes, after checking the prefix."""
    if len(prefix) < HEADER_PREFIX_SIZE:
        raise header_invalid("not a Latch object (too short)")
    check_prefix(prefix)
    size: int = struct.unpack(">I", prefix[8:12])[0]
    if not MIN_HEADER_SIZE <= size <= MAX_HEADER_SIZE:
        raise header_invalid(f"header_len {size} out of bounds")
    return size


def encode_core(object_id: bytes, salt: bytes, policy_id: str) -> bytes:
    """The header core: magic, version, suite, seg_log2, object id, salt, policy id."""
    if not is_id(policy_id, MAX_POLICY_ID_SIZE):
        raise argument_invalid("policy id must be 1-255 characters of [A-Za-z0-9._:-]")
    if len(object_id) != OBJECT_ID_SIZE or len(salt) != SALT_SIZE:
        raise argument_invalid("object id must be 16 bytes and salt 32")
    prefix = MAGIC + bytes([VERSION]) + struct.pack(">H", SUITE) + bytes([SEGMENT_LOG2])
    return prefix + object_id + salt + bytes([len(policy_id)]) + policy_id.encode("ascii")


def parse_core(core: bytes) -> tuple[bytes, bytes, str]:
    """Parses a header core (as the key server receives it): object id, salt, policy id."""
    if len(core) < CORE_FIXED_SIZE + 1:
        raise header_invalid("header core too short")
    check_prefix(core)
    if len(core) != CORE_FIXED_SIZE + core[CORE_FIXED_SIZE - 1]:
        raise header_invalid("header core length mismatch")
    policy_id = core[CORE_FIXED_SIZE:].decode("latin-1")
    if not is_id(policy_id, MAX_POLICY_ID_SIZE):
        raise header_invalid("bad policy id")
    return core[8:24], core[24:56], policy_id


def parse_header(data: bytes) -> Header:
    """Parses a header strictly in the order of docs/FORMAT.md §7 step 1.

    ``data`` holds at least ``header_len`` bytes (more is fine). Raises FormatError
    ``ERR_FORMAT_HEADER_INVALID`` or ``ERR_FORMAT_VERSION_UNSUPPORTED``.
    """
    size = read_header_size(data)
    if len(data) < size:
        raise header_invalid("object shorter than its header_len")
    raw = bytes(data[:size])
    if raw[12:16] != b"\x00\x00\x00\x00":
        raise header_invalid("reserved bytes must be zero")
    pid_length = raw[64]
    offset = 65 + pid_length
    if offset + 1 > size:
        raise header_invalid("policy id overruns the header")
    core = raw[0:8] + raw[16:offset]
    object_id, salt, policy_id = parse_core(core)
    core_hash = hashlib.sha256(core).digest()
    count = raw[offset]
    offset += 1
    if not 1 <= count <= MAX_ENTRIES:
        raise header_invalid("entry count must be 1 to 4")
    oid, hc = b64u_encode(object_id), b64u_encode(core_hash)
    entries: list[KeyEntry] = []
    for _ in range(count):
        if offset + 3 > size:
            raise header_invalid("key entry overruns the header")
        sid, n, kas_id_length = raw[offset], raw[offset + 1], raw[offset + 2]
        offset += 3
        if not (1 <= n <= MAX_SHARES and 1 <= sid <= n):
            raise header_invalid("bad sid or n")
        if not 1 <= kas_id_length <= MAX_KAS_ID_SIZE or offset + kas_id_length + 2 > size:
            raise header_invalid("bad key-server id length")
        kas_id = raw[offset : offset + kas_id_length].decode("latin-1")
        if not is_id(kas_id, MAX_KAS_ID_SIZE):
            raise header_invalid("bad key-server id")
        offset += kas_id_length
        jwe_length = struct.unpack(">H", raw[offset : offset + 2])[0]
        offset += 2
        if not 1 <= jwe_length <= MAX_JWE_SIZE or offset + jwe_length > size:
            raise header_invalid("bad JWE length")
        jwe = raw[offset : offset + jwe_length].decode("latin-1")
        offset += jwe_length
        if parse_compact_jwe(jwe).binding != ShareBinding(policy_id, oid, hc, sid, n):
            raise header_invalid("key entry is bound to another object")
        entries.append(KeyEntry(sid, n, kas_id, jwe))
    _check_entry_set(entries)
    if offset + COMMITMENT_SIZE + MAC_SIZE != size:
        raise header_invalid("header fields do not end at header_len")
    return Header(
        object_id,
        salt,
        policy_id,
        core,
        core_hash,
        tuple(entries),
        raw[offset : offset + COMMITMENT_SIZE],
        raw[offset + COMMITMENT_SIZE :],
        raw,
    )


def _check_entry_set(entries: list[KeyEntry]) -> None:
    n = entries[0].n
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        if entry.n != n:
            raise header_invalid("entries disagree on n")
        if (entry.sid, entry.kas_id) in seen:
            raise header_invalid("duplicate key entry")
        seen.add((entry.sid, entry.kas_id))
    if len({sid for sid, _ in seen}) != n:
        raise header_invalid("a share has no key entry")


def derive_object_keys(dek: bytes, salt: bytes, core_hash: bytes) -> ObjectKeys:
    """HKDF-SHA-256(dek, salt, "latch/v1 keys" || 0x00 || hc) -> K_enc, C, K_hdr."""
    okm = HKDF(hashes.SHA256(), 96, salt, _KEYS_INFO + core_hash).derive(dek)
    return ObjectKeys(okm[0:32], okm[32:64], okm[64:96])


def combine_shares(shares: list[bytes]) -> bytes:
    """The data key: the XOR of the shares."""
    out = bytearray(KEY_SIZE)
    for share in shares:
        if len(share) != KEY_SIZE:
            raise argument_invalid("share must be 32 bytes")
        for i, b in enumerate(share):
            out[i] ^= b
    return bytes(out)


def open_header(header: Header, dek: bytes) -> ObjectKeys:
    """Checks the key commitment, then the header MAC, in constant time.

    Raises FormatError ``ERR_FORMAT_DECRYPT_FAILED``.
    """
    keys = derive_object_keys(dek, header.salt, header.core_hash)
    if not hmac.compare_digest(keys.commitment, header.commitment):
        raise decrypt_failed()
    mac = hmac.new(keys.mac_key, header.raw[:-MAC_SIZE], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, header.mac):
        raise decrypt_failed()
    return keys


def encode_header(core: bytes, entries: list[KeyEntry], keys: ObjectKeys) -> bytes:
    """The whole header for these entries, with commitment and MAC."""
    body = bytearray()
    body += core[0:8] + b"\x00\x00\x00\x00\x00\x00\x00\x00" + core[8:]
    body.append(len(entries))
    for entry in entries:
        body += bytes([entry.sid, entry.n, len(entry.kas_id)]) + entry.kas_id.encode("ascii")
        body += struct.pack(">H", len(entry.jwe)) + entry.jwe.encode("ascii")
    size = len(body) + COMMITMENT_SIZE + MAC_SIZE
    if not MIN_HEADER_SIZE <= size <= MAX_HEADER_SIZE:
        raise argument_invalid("header size out of bounds")
    body[8:12] = struct.pack(">I", size)
    body += keys.commitment
    body += hmac.new(keys.mac_key, bytes(body), hashlib.sha256).digest()
    return bytes(body)
