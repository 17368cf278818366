"""Plaintext byte ranges over segments (docs/FORMAT.md §8)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import FormatError
from .format.constants import ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE
from .format.sizes import plaintext_size

_RANGE = re.compile(r"(?:bytes=)?(\d{0,16})-(\d{0,16})")


@dataclass(frozen=True)
class RangePlan:
    """Which segments answer a range, and whether the final one must be verified first."""

    plaintext_length: int
    final_index: int
    start: int
    end: int
    first_segment: int
    last_segment: int
    verify_final_first: bool
    unsatisfiable: bool

    def ciphertext_span(self, object_size: int, header_size: int) -> tuple[int, int]:
        """Object bytes ``[start, end)`` of the covering segments."""
        start = header_size + self.first_segment * ENCRYPTED_SEGMENT_SIZE
        end = min(header_size + (self.last_segment + 1) * ENCRYPTED_SEGMENT_SIZE, object_size)
        return start, end


def _invalid(message: str) -> FormatError:
    return FormatError("ERR_FORMAT_RANGE_INVALID", message)


def plan_range(text: str, object_size: int, header_size: int) -> RangePlan:
    """Plans an HTTP-style range (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) over an object."""
    match = _RANGE.fullmatch(text.strip())
    if match is None or (match[1] == "" and match[2] == ""):
        raise _invalid(f"not a byte range: {text!r} (use START-END, START- or -N)")
    length = plaintext_size(object_size, header_size)
    final = length // SEGMENT_SIZE
    if match[1] == "":
        suffix = int(match[2])
        if suffix == 0:
            raise _invalid("a suffix range of 0 bytes")
        start, end, depends_on_end = max(0, length - suffix), length, True
    else:
        start = int(match[1])
        last = None if match[2] == "" else int(match[2])
        if last is not None and last < start:
            raise _invalid(f"range {text} ends before it starts")
        end = length if last is None else min(last + 1, length)
        depends_on_end = last is None or last + 1 > length
    unsatisfiable = start >= length
    if unsatisfiable:
        start = end = length
    first = final if unsatisfiable else start // SEGMENT_SIZE
    last_segment = final if unsatisfiable else (end - 1) // SEGMENT_SIZE
    return RangePlan(
        length,
        final,
        start,
        end,
        first,
        last_segment,
        depends_on_end and first != final,
        unsatisfiable,
    )
