"""Link secret and OTP crypto. Nothing else in the project generates or compares secrets.

- A link secret is 32 bytes from `secrets` (256 bits), base64url without padding: 43 characters.
  Only its SHA-256 hex digest is stored (unique index). 256 bits cannot be brute-forced, so an
  unsalted fast hash is the right tool: it gives an indexed, constant-cost lookup.
- An OTP is 6 digits (10^6 possibilities), so a bare hash would be reversed instantly by anyone
  who read the database. It is stored as HMAC-SHA256 keyed by a server secret derived from
  SECRET_KEY, bound to the link id, and the number of wrong guesses per link is limited.
"""

import base64
import hashlib
import hmac
import re
import secrets

from django.conf import settings

SECRET_BYTES = 32
SECRET_LENGTH = 43  # base64url of 32 bytes, without padding
OTP_DIGITS = 6
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_OTP_SHAPE = re.compile(r"^[0-9]{6}$")
_DIGEST_SHAPE = re.compile(r"^[0-9a-f]{64}$")


def new_secret() -> str:
    """A fresh 256-bit link secret."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).rstrip(b"=").decode()


def digest(secret: str) -> str:
    """The stored form of a link secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_secret(candidate: object) -> str | None:
    """Return the candidate if it has the exact shape of a link secret, else None.

    Anything else (wrong length, other alphabet, non-string) is rejected before it is hashed
    or reaches the database, so malformed input costs nothing and reveals nothing.
    """
    if isinstance(candidate, str) and _SECRET_SHAPE.match(candidate):
        return candidate
    return None


def parse_digest(candidate: object) -> str | None:
    """Return the candidate if it looks like a stored digest (the Admin API's hashed_token)."""
    if isinstance(candidate, str) and _DIGEST_SHAPE.match(candidate.lower()):
        return candidate.lower()
    return None


def new_otp() -> str:
    """A uniformly random 6-digit one-time code."""
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def _otp_key() -> bytes:
    # A key of its own, derived from SECRET_KEY, so the OTP MAC is never the same function as
    # anything else Django signs with that key.
    return hashlib.sha256(b"linkgate.otp:" + settings.SECRET_KEY.encode()).digest()


def otp_mac(link_id: object, otp: str) -> str:
    """The stored form of an OTP: HMAC-SHA256(server key, link id + code)."""
    message = f"{link_id}:{otp}".encode()
    return hmac.new(_otp_key(), message, hashlib.sha256).hexdigest()


def otp_matches(stored_mac: str, link_id: object, candidate: object) -> bool:
    """Constant-time check of a presented OTP against the stored MAC."""
    if not stored_mac or not isinstance(candidate, str) or not _OTP_SHAPE.match(candidate):
        return False
    return hmac.compare_digest(stored_mac, otp_mac(link_id, candidate))
