"""Canonical base64url without padding (docs/FORMAT.md §1)."""

from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64u_encode(data: bytes) -> str:
    """base64url of ``data``, without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes | None:
    """The bytes of canonical base64url ``text``, or None for anything else (padding, white
    space, other characters, a length of 1 mod 4, non-zero unused bits)."""
    if _ALPHABET.fullmatch(text) is None or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if b64u_encode(data) == text else None
