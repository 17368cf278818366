"""The key server's HTTP client (docs/SERVER.md): policies and audited key release."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import ClientError, FormatError, KeyServerError
from .format import Header, KeyServerRecipient, open_share, parse_compact_jwe
from .format.b64 import b64u_decode, b64u_encode
from .policy_claim import SplitClaimPart
from .share_resolver import ShareAsk, resolve_data_keys

SERVER_ERROR_CODES = frozenset(
    {
        "ERR_REQUEST_INVALID",
        "ERR_REQUEST_TOO_LARGE",
        "ERR_CURSOR_INVALID",
        "ERR_AUTH_REQUIRED",
        "ERR_AUTH_INVALID",
        "ERR_ACCESS_DENIED",
        "ERR_ACCESS_FORBIDDEN",
        "ERR_NOT_FOUND",
        "ERR_CONFLICT",
        "ERR_RATE_LIMITED",
        "ERR_AUDIT_UNAVAILABLE",
        "ERR_STORE_UNAVAILABLE",
        "ERR_CUSTODY_UNAVAILABLE",
        "ERR_INTERNAL",
        "ERR_CONFIG_INVALID",
    }
)
_BY_STATUS = {
    400: "ERR_REQUEST_INVALID",
    401: "ERR_AUTH_INVALID",
    403: "ERR_ACCESS_FORBIDDEN",
    404: "ERR_NOT_FOUND",
    409: "ERR_CONFLICT",
    413: "ERR_REQUEST_TOO_LARGE",
    429: "ERR_RATE_LIMITED",
    503: "ERR_AUDIT_UNAVAILABLE",
}
_STATUS_OF = {
    "ERR_REQUEST_INVALID": 400,
    "ERR_REQUEST_TOO_LARGE": 413,
    "ERR_CURSOR_INVALID": 400,
    "ERR_AUTH_REQUIRED": 401,
    "ERR_AUTH_INVALID": 401,
    "ERR_ACCESS_DENIED": 403,
    "ERR_ACCESS_FORBIDDEN": 403,
    "ERR_NOT_FOUND": 404,
    "ERR_CONFLICT": 409,
    "ERR_RATE_LIMITED": 429,
    "ERR_AUDIT_UNAVAILABLE": 503,
    "ERR_STORE_UNAVAILABLE": 503,
    "ERR_CUSTODY_UNAVAILABLE": 503,
}
# The server's public keys change only on rotation: five minutes, as the Node client.
_KEYS_TTL = 300.0


class _Secret:
    """A bearer token that never shows in a repr, ``vars()`` dump or traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


def _fallback_code(status: int) -> str:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status in (502, 504):
        return "ERR_STORE_UNAVAILABLE"
    return "ERR_REQUEST_INVALID" if 400 <= status < 500 else "ERR_INTERNAL"


def _server_error(code: object, message: object, status: int, request_id: object) -> KeyServerError:
    known = code if isinstance(code, str) and code in SERVER_ERROR_CODES else _fallback_code(status)
    return KeyServerError(
        known,
        message if isinstance(message, str) else f"key server answered {status}",
        status,
        request_id if isinstance(request_id, str) else None,
    )


class KeyServerClient:
    """A client of one key server's ``/v1`` API, authenticated by an API token or an OIDC access
    token (both are sent as ``Authorization: Bearer``). The token never appears in a repr, a log
    line or an error message.

    Failures raise :class:`KeyServerError` (the server's code, status and request id) or
    :class:`ClientError` (``ERR_CLIENT_UNAVAILABLE`` when the server cannot be reached or does not
    answer within ``timeout`` seconds).
    """

    def __init__(self, server: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ClientError("ERR_CLIENT_CONFIG_INVALID", f"not an http(s) URL: {server}")
        self.server = server.rstrip("/")
        self.__token = _Secret(token) if token else None
        self.timeout = timeout
        self._pool = urllib3.PoolManager(maxsize=16, retries=False)
        self._keys: tuple[float, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        auth = "token" if self.__token is not None else "anonymous"
        return f"KeyServerClient({self.server!r}, {auth})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeyServerClient:
        """A client from ``LATCH_SERVER`` and ``LATCH_TOKEN``, as the CLI reads them."""
        env = os.environ if env is None else env
        server = env.get("LATCH_SERVER", "")
        if not server:
            raise ClientError(
                "ERR_CLIENT_CONFIG_INVALID",
                "LATCH_SERVER is not set: export LATCH_SERVER=http://host:8400",
            )
        return cls(server, env.get("LATCH_TOKEN") or None)

    # --- HTTP ---

    def call(self, method: str, path: str, body: object = None) -> Any:
        """One request; the decoded JSON answer, or the error it stands for."""
        headers = {"accept": "application/json"}
        if self.__token is not None:
            headers["authorization"] = f"Bearer {self.__token.reveal()}"
        data = None
        if body is not None:
            headers["content-type"] = "application/json"
            data = json.dumps(body).encode()
        try:
            response = self._pool.request(
                method,
                self.server + path,
                body=data,
                headers=headers,
                timeout=urllib3.Timeout(total=self.timeout),
                redirect=False,
            )
        except urllib3.exceptions.TimeoutError:
            raise ClientError(
                "ERR_CLIENT_UNAVAILABLE",
                f"the key server at {self.server} did not answer within {self.timeout} s",
            ) from None
        except urllib3.exceptions.HTTPError:
            raise ClientError(
                "ERR_CLIENT_UNAVAILABLE", f"cannot reach the key server at {self.server}"
            ) from None
        status = response.status
        text = response.data.decode("utf-8", "replace")
        if not 200 <= status < 300:
            try:
                error = json.loads(text)
            except ValueError:
                error = None
            if not isinstance(error, dict) or not isinstance(error.get("code"), str):
                if status >= 500:
                    raise ClientError("ERR_CLIENT_UNAVAILABLE", f"key server answered {status}")
                raise ClientError(
                    "ERR_CLIENT_RESPONSE_INVALID", f"unexpected answer (HTTP {status})"
                )
            raise _server_error(
                error.get("code"), error.get("message"), status, error.get("requestId")
            )
        try:
            return json.loads(text) if text else None
        except ValueError:
            raise ClientError(
                "ERR_CLIENT_RESPONSE_INVALID", f"unexpected answer (HTTP {status})"
            ) from None

    # --- keys and identity ---

    def me(self) -> dict[str, Any]:
        """Who the token belongs to."""
        result: dict[str, Any] = self.call("GET", "/v1/me")
        return result

    def keys(self) -> dict[str, Any]:
        """The server's public wrap keys (``kasId``, ``current``, ``keys``), cached 5 minutes."""
        with self._lock:
            if self._keys is not None and time.monotonic() - self._keys[0] < _KEYS_TTL:
                return self._keys[1]
        result: dict[str, Any] = self.call("GET", "/v1/keys")
        with self._lock:
            self._keys = (time.monotonic(), result)
        return result

    def recipient(self) -> KeyServerRecipient:
        """The current wrap key as a format recipient."""
        keys = self.keys()
        key = next((k for k in keys.get("keys", []) if k.get("kid") == keys.get("current")), None)
        x = b64u_decode(key["x"]) if key is not None and isinstance(key.get("x"), str) else None
        if key is None or x is None or len(x) != 32:
            raise ClientError(
                "ERR_CLIENT_RESPONSE_INVALID", "the key server publishes no current key"
            )
        return KeyServerRecipient(str(keys["kasId"]), str(key["kid"]), x)

    # --- policies ---

    def create_policy(
        self,
        *,
        readers: Sequence[str] = (),
        expires_at: str | None = None,
        labels: Mapping[str, str] | None = None,
        owner: str | None = None,
        claim: str | SplitClaimPart | None = None,
        stored_object: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Creates the policy of a new file; the caller owns it unless ``owner`` says otherwise.
        ``claim`` is the client's claim on the id (32 random bytes, base64url; or one server's
        part of a file split across two key servers, :mod:`latch.policy_claim`);
        ``stored_object`` registers the object stored under it in the same request
        (``objectId``, ``coreHash``, ``bucket``, ``key``)."""
        body: dict[str, Any] = {}
        if isinstance(claim, SplitClaimPart):
            body.update(claim.body())
        elif claim is not None:
            body["claim"] = claim
        if stored_object is not None:
            body["object"] = dict(stored_object)
        if readers:
            body["readers"] = list(readers)
        if expires_at is not None:
            body["expiresAt"] = expires_at
        if labels:
            body["labels"] = dict(labels)
        if owner is not None:
            body["owner"] = owner
        result: dict[str, Any] = self.call("POST", "/v1/policies", body)
        return result

    def get_policy(self, policy_id: str, *, objects: bool = True) -> dict[str, Any]:
        """A policy as the server holds it (``latch policy show``)."""
        query = "" if objects else "?objects=false"
        result: dict[str, Any] = self.call("GET", f"/v1/policies/{_seg(policy_id)}{query}")
        return result

    def add_policy_object(
        self, policy_id: str, object_id: bytes, core_hash: bytes, bucket: str, key: str
    ) -> dict[str, Any]:
        """Records where an object of the policy lives (bucket lockdowns cover it from then on)."""
        body = {
            "objectId": b64u_encode(object_id),
            "coreHash": b64u_encode(core_hash),
            "bucket": bucket,
            "key": key,
        }
        result: dict[str, Any] = self.call("POST", f"/v1/policies/{_seg(policy_id)}/objects", body)
        return result

    def share(self, policy_id: str, *readers: str) -> dict[str, Any]:
        """Adds readers."""
        return self._policy_change(policy_id, "readers", {"add": list(readers)})

    def unshare(self, policy_id: str, *readers: str) -> dict[str, Any]:
        """Removes readers."""
        return self._policy_change(policy_id, "readers", {"remove": list(readers)})

    def expire(self, policy_id: str, expires_at: str | None) -> dict[str, Any]:
        """Sets (RFC 3339 time) or clears (None) the expiry."""
        return self._policy_change(policy_id, "expiry", {"expiresAt": expires_at})

    def revoke(self, policy_id: str, reason: str | None = None) -> dict[str, Any]:
        """Revokes: no key for anyone, the owner included."""
        return self._policy_change(
            policy_id, "revoke", {} if reason is None else {"reason": reason}
        )

    def unrevoke(self, policy_id: str, reason: str | None = None) -> dict[str, Any]:
        """Lifts a revocation."""
        body = {} if reason is None else {"reason": reason}
        return self._policy_change(policy_id, "unrevoke", body)

    def _policy_change(self, policy_id: str, what: str, body: object) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", f"/v1/policies/{_seg(policy_id)}/{what}", body)
        return result

    # --- key release ---

    def data_key(self, header: Header) -> bytes:
        """The data key of one object: each share re-wrapped by this server to a throw-away key,
        opened and XORed. Raises KeyServerError ``ERR_ACCESS_DENIED`` on any denial."""
        return self.data_keys([header])[0]

    def data_keys(self, headers: Sequence[Header]) -> list[bytes]:
        """The data keys of many objects, asked in batches of up to 100 key requests (one
        decision and audit record each). Raises the first failure, and ClientError
        ``ERR_CLIENT_CONFIG_INVALID`` for an object with a share this server does not hold (a
        file split across two key servers: read it with :class:`latch.key_servers.KeyServers`)."""
        return resolve_data_keys({str(self.keys()["kasId"]): self}, headers)

    def rewrap_shares(self, asks: Sequence[ShareAsk]) -> list[bytes]:
        """The shares of one batch of key requests (up to 100), re-wrapped by this server to a
        fresh throw-away X25519 key, opened and checked against each object's binding."""
        throwaway = X25519PrivateKey.generate()
        x = throwaway.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        client_key = {"kty": "OKP", "crv": "X25519", "x": b64u_encode(x), "kid": "client"}
        private = throwaway.private_bytes_raw()
        if len(asks) == 1:
            only = asks[0]
            results = [
                self.call(
                    "POST",
                    "/v1/rewrap",
                    {"core": only.core, "jwe": only.jwe, "clientKey": client_key},
                )
            ]
        else:
            answer = self.call(
                "POST",
                "/v1/rewrap/batch",
                {
                    "clientKey": client_key,
                    "requests": [{"core": a.core, "jwe": a.jwe} for a in asks],
                },
            )
            listed = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(listed, list) or len(listed) != len(asks):
                raise ClientError(
                    "ERR_CLIENT_RESPONSE_INVALID", "the key server answered a batch of another size"
                )
            results = listed
        shares = []
        for ask, result in zip(asks, results, strict=True):
            if not isinstance(result, dict):
                raise ClientError("ERR_CLIENT_RESPONSE_INVALID", "malformed batch result")
            error = result.get("error")
            if isinstance(error, dict):
                code = error.get("code")
                status = _STATUS_OF.get(code, 500) if isinstance(code, str) else 500
                raise _server_error(code, error.get("message"), status, error.get("requestId"))
            try:
                answered = parse_compact_jwe(str(result.get("jwe")))
                n = ask.header.entries[0].n
                shares.append(open_share(answered, private, ask.header.binding(ask.sid, n)))
            except FormatError:
                raise ClientError(
                    "ERR_CLIENT_RESPONSE_INVALID",
                    "the key server answered a share that does not open for this object",
                ) from None
        return shares


def _seg(value: str) -> str:
    return quote(value, safe="")
