"""Encryption of a link secret while it waits in the outbox (Fernet from `cryptography`).

The key is derived from SECRET_KEY with a purpose label, so the outbox key is never the key
anything else uses. The ciphertext lives only until the email is sent, then it is wiped.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    raw = hashlib.sha256(b"linkgate.outbox:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def seal(secret: str, otp: str | None = None) -> bytes:
    return _fernet().encrypt(json.dumps({"secret": secret, "otp": otp}).encode())


def unseal(token: bytes) -> tuple[str, str | None]:
    """Return (secret, otp); raises ValueError if the ciphertext is not ours or was altered."""
    try:
        payload = json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken as exc:
        raise ValueError("outbox ciphertext cannot be decrypted") from exc
    return payload["secret"], payload["otp"]
