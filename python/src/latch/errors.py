"""Every error Latch raises carries a stable ``code`` (the same codes as the Node packages)."""

from __future__ import annotations


class LatchError(Exception):
    """The base of every Latch error: a message for people and a stable ``code`` for programs."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {str(self)!r})"


class FormatError(LatchError):
    """An error of the object format (``ERR_FORMAT_*``, docs/errors.md)."""


def header_invalid(message: str) -> FormatError:
    return FormatError("ERR_FORMAT_HEADER_INVALID", message)


def decrypt_failed() -> FormatError:
    # One message for every authentication failure: the caller never learns which check failed.
    return FormatError("ERR_FORMAT_DECRYPT_FAILED", "the object failed authentication")


def length_invalid(message: str) -> FormatError:
    return FormatError("ERR_FORMAT_LENGTH_INVALID", message)


def argument_invalid(message: str) -> FormatError:
    return FormatError("ERR_FORMAT_ARGUMENT_INVALID", message)
