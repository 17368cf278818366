"""The constants of format v1 (docs/FORMAT.md §1, §3, §11)."""

from __future__ import annotations

import re

MAGIC = b"\x89LTC"
VERSION = 1
SUITE = 0x0001
SEGMENT_LOG2 = 16
SEGMENT_SIZE = 1 << SEGMENT_LOG2
TAG_SIZE = 16
ENCRYPTED_SEGMENT_SIZE = SEGMENT_SIZE + TAG_SIZE
MAX_SEGMENTS = 2**32
MIN_HEADER_SIZE = 128
MAX_HEADER_SIZE = 16_384
HEADER_PREFIX_SIZE = 12
MAX_JWE_SIZE = 2048
MAX_ENTRIES = 4
MAX_SHARES = 2
MAX_KAS_ID_SIZE = 64
MAX_POLICY_ID_SIZE = 255
OBJECT_ID_SIZE = 16
SALT_SIZE = 32
KEY_SIZE = 32
COMMITMENT_SIZE = 32
MAC_SIZE = 32
MAX_OBJECT_SIZE = 2**53
ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]+")
# bytes 0..8 of the header and its policy-id length byte: magic, version, suite, seg_log2, oid, salt
CORE_FIXED_SIZE = 4 + 1 + 2 + 1 + OBJECT_ID_SIZE + SALT_SIZE + 1


def is_id(value: object, max_length: int) -> bool:
    """True for a string of 1..max_length characters of ``[A-Za-z0-9._:-]``."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= max_length
        and ID_PATTERN.fullmatch(value) is not None
    )
