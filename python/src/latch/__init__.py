"""Latch for Python: client-side encryption of files in S3 under per-file key-server policies."""

from .errors import FormatError, LatchError

__all__ = ["FormatError", "LatchError"]
