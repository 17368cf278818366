"""Client-chosen policy ids for files split across two key servers (docs/SERVER.md "Split files").

The same derivation as the Node client's ``splitPolicyClaim`` and the server's
``policyIdOfClaim``: a file written by either client opens with the other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from .errors import ClientError
from .format.b64 import b64u_encode

_SPLIT_DOMAIN = b"latch/policy-id/split/v1"
_COMMITMENT_DOMAIN = b"latch/policy-claim/v1"


@dataclass(frozen=True)
class SplitClaimPart:
    """One server's part of a split claim: the ``claim`` and ``split`` of its
    ``POST /v1/policies``. The claim is a secret sent to that server alone; it never shows in a
    repr."""

    claim: str = field(repr=False)
    share: int
    peer: str

    def body(self) -> dict[str, object]:
        """The fields this part adds to the request body."""
        return {"claim": self.claim, "split": {"share": self.share, "peer": self.peer}}


@dataclass(frozen=True)
class SplitPolicyClaim:
    """Fresh claims on one policy id held by two key servers, in share order."""

    parts: tuple[SplitClaimPart, SplitClaimPart]
    policy_id: str


def claim_commitment(kas_id: str, claim: bytes) -> bytes:
    """``SHA-256("latch/policy-claim/v1" ‖ len(kas_id) ‖ kas_id ‖ claim)``: a claim bound to the
    key server that holds it, so that it yields the file's id on no other server."""
    try:
        kas = kas_id.encode("ascii")
    except UnicodeEncodeError:
        raise ClientError(
            "ERR_CLIENT_RESPONSE_INVALID", "the key server's id is not ASCII"
        ) from None
    if not 1 <= len(kas) <= 255:
        raise ClientError("ERR_CLIENT_RESPONSE_INVALID", "the key server's id is not 1-255 bytes")
    return hashlib.sha256(_COMMITMENT_DOMAIN + bytes([len(kas)]) + kas + claim).digest()


def split_policy_claim(kas_ids: tuple[str, str]) -> SplitPolicyClaim:
    """Fresh claims for a file split across two key servers, ``kas_ids`` in share order: one
    policy id, a 32-byte secret claim for each server, and each server told only the other's
    commitment. The id is ``p-`` + base64url(SHA-256("latch/policy-id/split/v1" ‖ h_1 ‖
    h_2)[0..16]), which each server derives from its own kas id and claim: the operator of one
    server, who learns its claim, cannot create the policy on the other."""
    claims = (secrets.token_bytes(32), secrets.token_bytes(32))
    h1 = claim_commitment(kas_ids[0], claims[0])
    h2 = claim_commitment(kas_ids[1], claims[1])
    digest = hashlib.sha256(_SPLIT_DOMAIN + h1 + h2).digest()
    return SplitPolicyClaim(
        (
            SplitClaimPart(b64u_encode(claims[0]), 1, b64u_encode(h2)),
            SplitClaimPart(b64u_encode(claims[1]), 2, b64u_encode(h1)),
        ),
        "p-" + b64u_encode(digest[:16]),
    )
