"""Crypto for API keys and service keys: generation, hashing, constant-time comparison.

In the spirit of django-rest-knox: the plaintext is produced here, returned once to whoever
created the key, and only its SHA-256 digest is stored. Keys carry 256 bits of randomness, so a
fast unsalted hash is enough (there is nothing to brute-force); the digest is the lookup index.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PARTNER_KEY_PREFIX = "15th_"
SERVICE_KEY_PREFIX = "lgsk_"
_RANDOM_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: `plaintext` is shown once and never stored."""

    plaintext: str
    digest: str
    last4: str


def generate_key(prefix: str) -> NewKey:
    """Return a new random key with the given prefix, its digest and its last 4 characters."""
    plaintext = prefix + secrets.token_urlsafe(_RANDOM_BYTES)
    return NewKey(plaintext=plaintext, digest=digest_key(plaintext), last4=plaintext[-4:])


def digest_key(plaintext: str) -> str:
    """SHA-256 hex digest of a key, as stored in the database."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def digests_match(stored_digest: str, presented_plaintext: str) -> bool:
    """Constant-time comparison of a stored digest with a presented key."""
    return hmac.compare_digest(stored_digest, digest_key(presented_plaintext))
