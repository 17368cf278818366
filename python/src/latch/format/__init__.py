"""Latch object format v1 (docs/FORMAT.md), a second implementation on ``cryptography``."""

from .constants import ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE
from .header import (
    Header,
    KeyEntry,
    ObjectKeys,
    combine_shares,
    derive_object_keys,
    open_header,
    parse_core,
    parse_header,
    read_header_size,
)
from .jwe import CompactJwe, ShareBinding, open_share, parse_compact_jwe, wrap_share
from .reader import KeyResolver, decrypt_bytes, decrypt_chunks
from .segments import SegmentDecryptor
from .sizes import ciphertext_size, plaintext_size
from .writer import KeyServerRecipient, ObjectMaterial, ObjectWriter, WrapMaterial, encrypt_bytes

__all__ = [
    "ENCRYPTED_SEGMENT_SIZE",
    "SEGMENT_SIZE",
    "CompactJwe",
    "Header",
    "KeyEntry",
    "KeyResolver",
    "KeyServerRecipient",
    "ObjectKeys",
    "ObjectMaterial",
    "ObjectWriter",
    "SegmentDecryptor",
    "ShareBinding",
    "WrapMaterial",
    "ciphertext_size",
    "combine_shares",
    "decrypt_bytes",
    "decrypt_chunks",
    "derive_object_keys",
    "encrypt_bytes",
    "open_header",
    "open_share",
    "parse_compact_jwe",
    "parse_core",
    "parse_header",
    "plaintext_size",
    "read_header_size",
    "wrap_share",
]
