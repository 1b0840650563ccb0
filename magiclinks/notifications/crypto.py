"""Encryption of a link secret while it waits in the outbox (Fernet from `cryptography`).

The Fernet key is derived from SECRET_KEY with HKDF (RFC 5869, `cryptography`) and a purpose
label, so the outbox key is never the key anything else uses. Sealing uses the key of the current
SECRET_KEY; opening tries it, then the key of every SECRET_KEY_FALLBACKS entry (`MultiFernet`),
so rotating SECRET_KEY (old key moved to the fallbacks) does not make the queued emails fail.
The ciphertext lives only until the email is sent, then it is wiped.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"linkgate.notifications.outbox"


def _fernet_key(secret: str, purpose: bytes = _PURPOSE) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(key)


def _earlier_fernet_key(secret: str) -> bytes:
    # Transitional, for opening only: rows sealed before the HKDF derivation, whose key was
    # SHA-256("linkgate.outbox:" + SECRET_KEY). A pending row is sent or given up within
    # NOTIFICATION_MAX_ATTEMPTS retries (minutes), so this can go one release later.
    return base64.urlsafe_b64encode(hashlib.sha256(b"linkgate.outbox:" + secret.encode()).digest())


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    # MultiFernet encrypts with the first key and decrypts with any of them.
    return MultiFernet(
        [Fernet(_fernet_key(key)) for key in keys]
        + [Fernet(_earlier_fernet_key(key)) for key in keys]
    )


def fernet_for(purpose: bytes) -> MultiFernet:
    """The project's Fernet helper for another purpose (webhook secrets, stored API responses):
    its own HKDF-derived key per purpose label, same rotation through SECRET_KEY_FALLBACKS."""
    if purpose == _PURPOSE:
        raise ValueError("the outbox purpose label is reserved for the outbox")
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([Fernet(_fernet_key(key, purpose)) for key in keys])


def seal(secret: str, otp: str | None = None) -> bytes:
    return _fernet().encrypt(json.dumps({"secret": secret, "otp": otp}).encode())


def unseal(token: bytes) -> tuple[str, str | None]:
    """Return (secret, otp); raises ValueError if the ciphertext is not ours or was altered."""
    try:
        payload = json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken as exc:
        raise ValueError("outbox ciphertext cannot be decrypted") from exc
    return payload["secret"], payload["otp"]
