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


class ClientError(LatchError):
    """A failure on the client's side of the key server: ``ERR_CLIENT_UNAVAILABLE`` (no answer,
    a time-out, a 5xx without an error body), ``ERR_CLIENT_RESPONSE_INVALID`` (an answer this
    client cannot use), ``ERR_CLIENT_CONFIG_INVALID`` (missing or bad configuration)."""


class KeyServerError(LatchError):
    """An error answer of the key server, with its stable ``code`` (``ERR_AUTH_INVALID``,
    ``ERR_ACCESS_DENIED``, ``ERR_NOT_FOUND``, ...), HTTP ``status`` and ``request_id``."""

    status: int
    request_id: str | None

    def __init__(self, code: str, message: str, status: int, request_id: str | None) -> None:
        super().__init__(code, message)
        self.status = status
        self.request_id = request_id


class S3Error(LatchError):
    """A failure of the S3 layer: ``ERR_S3_ARGUMENT_INVALID`` (an argument the client cannot
    honour on ciphertext, such as ``ContentMD5``, or a bad ``Config``), ``ERR_S3_REQUEST_FAILED``
    (S3 answered another range than asked). S3's own refusals are botocore's errors; a plain
    object where a Latch one was expected is ``FormatError`` ``ERR_FORMAT_HEADER_INVALID``."""
