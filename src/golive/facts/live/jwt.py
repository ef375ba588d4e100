"""Read and forge JWTs for the privilege-escalation probes (no verification, by design).

Tokens are assembled by hand so golive can send what a library refuses to make:
``alg: none``, a tampered payload under the original signature, a weak HMAC key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

__all__ = [
    "WEAK_SECRETS",
    "claims_of",
    "expired_copy",
    "is_jwt",
    "none_alg",
    "sign_hs256",
    "tampered",
]

WEAK_SECRETS = ("secret", "changeme", "password", "jwt-secret", "your-256-bit-secret", "key")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":")).encode())


def is_jwt(token: str) -> bool:
    return claims_of(token) is not None


def claims_of(token: str) -> dict[str, Any] | None:
    """The payload of a JWS compact token, unverified; None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def tampered(token: str, **changes: Any) -> str:
    """The same header and signature over a changed payload: a server must refuse it."""
    header, _payload, signature = token.split(".")
    claims = {**(claims_of(token) or {}), **changes}
    return f"{header}.{_json(claims)}.{signature}"


def none_alg(claims: dict[str, Any]) -> str:
    """An unsigned token (``alg: none``)."""
    return f"{_json({'alg': 'none', 'typ': 'JWT'})}.{_json(claims)}."


def sign_hs256(claims: dict[str, Any], key: str) -> str:
    signing_input = f"{_json({'alg': 'HS256', 'typ': 'JWT'})}.{_json(claims)}"
    mac = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def expired_copy(claims: dict[str, Any], *, ago: int = 3600) -> dict[str, Any]:
    now = int(time.time())
    return {**claims, "iat": now - ago - 900, "nbf": now - ago - 900, "exp": now - ago}
