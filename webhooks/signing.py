"""Endpoint secrets (generated, sealed with the project's Fernet helper) and the signature header.

`Linkgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Signing
the timestamp with the body lets a receiver reject a replayed delivery (older than 5 minutes)
without trusting any unsigned header. `verify()` is what docs/webhooks.md tells receivers to do.
"""

import hashlib
import hmac
import secrets
import time

from magiclinks.notifications.crypto import fernet_for

SECRET_PREFIX = "whsec_"
HEADER = "Linkgate-Signature"
TOLERANCE_SECONDS = 300
_PURPOSE = b"linkgate.webhooks.endpoint-secret"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def seal(secret: str) -> bytes:
    return fernet_for(_PURPOSE).encrypt(secret.encode())


def unseal(token: bytes) -> str:
    return fernet_for(_PURPOSE).decrypt(bytes(token)).decode()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body` sent at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """True when `header` signs `body` with `secret` and is at most TOLERANCE_SECONDS old."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > TOLERANCE_SECONDS:
        return False  # replay protection: an old (or far-future) signature is refused
    expected = sign(secret, body, t).split("v1=", 1)[1]
    # Constant-time comparison: a timing difference must not reveal how much of the MAC matched.
    return hmac.compare_digest(expected, parts.get("v1", ""))
