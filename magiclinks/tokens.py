"""Link secret and OTP crypto: generating, hashing, parsing and comparing link secrets and codes.

Other secrets have their own modules: API and service keys (accounts.keys), refresh tokens (the
Admin API's sessions), the outbox's encryption (magiclinks.notifications.crypto).

- A link secret S is 32 bytes from `secrets` (256 bits), base64url without padding: 43
  characters. The person gets S (in the link); an Admin API caller also gets
  `hashed_token` H = SHA-256(S) (hex), which `POST /auth/v1/verify {token_hash}` accepts.
- The database stores neither: the `token_digest` column holds D = SHA-256(H) (hex of the hash of
  H's hex text), under a unique index. A presented S is turned into D with two hashes, a
  presented H with one, so both lookups stay one indexed equality query.
  Why a hash of H and not H: whatever is stored must not be presentable. When the column held H,
  anyone who could read the table (a backup, a read replica, a SQL injection elsewhere) could
  post it as `token_hash` and take over every account with an open link.
  Why plain SHA-256 and not an HMAC or a slow hash: H has 256 bits of entropy, so D cannot be
  inverted or brute-forced, and a fast unsalted hash is what keeps the lookup a single
  constant-cost index probe. A key would add nothing against inversion, but it would tie every
  open link to SECRET_KEY (rotating the key would silently kill them) and would make the
  conversion of existing rows depend on that key. With a plain hash the stored value of a row
  written before this scheme (H) converts to the new one without any secret: D = SHA-256(H)
  (migration magiclinks 0002).
- An OTP is 6 digits (10^6 possibilities), so a bare hash would be reversed instantly by anyone
  who read the database. It is stored as HMAC-SHA256 bound to the link id, under a key of its
  own derived from SECRET_KEY by Django's `salted_hmac` (key = SHA-256(salt + SECRET_KEY), the
  derivation this module used to spell out by hand, so codes stored before still match), and
  the number of wrong guesses per link is limited. A code is checked against SECRET_KEY and
  every SECRET_KEY_FALLBACKS entry, so rotating the key does not void the codes already sent.
"""

import base64
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

SECRET_BYTES = 32
SECRET_LENGTH = 43  # base64url of 32 bytes, without padding
OTP_DIGITS = 6
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_OTP_SHAPE = re.compile(r"^[0-9]{6}$")
_DIGEST_SHAPE = re.compile(r"^[0-9a-f]{64}$")


def new_secret() -> str:
    """A fresh 256-bit link secret."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).rstrip(b"=").decode()


def hashed_token(secret: str) -> str:
    """The Admin API's `hashed_token` of a link secret: SHA-256 of the secret, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def stored_digest(presented_hashed_token: str) -> str:
    """The `token_digest` column for a `hashed_token`: SHA-256 of its (lower-case hex) text.

    Also the conversion of a row stored before the column held a hash of `hashed_token`.
    """
    return hashlib.sha256(presented_hashed_token.encode()).hexdigest()


def digest(secret: str) -> str:
    """The stored form of a link secret (the `token_digest` column): a hash of its hashed_token."""
    return stored_digest(hashed_token(secret))


def parse_secret(candidate: object) -> str | None:
    """Return the candidate if it has the exact shape of a link secret, else None.

    Anything else (wrong length, other alphabet, non-string) is rejected before it is hashed
    or reaches the database, so malformed input costs nothing and reveals nothing.
    """
    if isinstance(candidate, str) and _SECRET_SHAPE.match(candidate):
        return candidate
    return None


def parse_digest(candidate: object) -> str | None:
    """Return the candidate, lower-cased, if it has the shape of a `hashed_token` (64 hex)."""
    if isinstance(candidate, str) and _DIGEST_SHAPE.match(candidate.lower()):
        return candidate.lower()
    return None


def new_otp() -> str:
    """A uniformly random 6-digit one-time code."""
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


# The purpose label of the OTP key: the MAC is never the same function as anything else Django
# signs with SECRET_KEY (sessions, CSRF, signed cookies use other salts).
_OTP_KEY_SALT = "linkgate.otp:"


def otp_mac(link_id: object, otp: str, *, secret: str | None = None) -> str:
    """The stored form of an OTP: HMAC-SHA256 of link id + code, under the OTP key derived from
    SECRET_KEY (or from `secret`, a fallback key)."""
    return salted_hmac(
        _OTP_KEY_SALT, f"{link_id}:{otp}", secret=secret, algorithm="sha256"
    ).hexdigest()


def otp_matches(stored_mac: str, link_id: object, candidate: object) -> bool:
    """Constant-time check of a presented OTP against the stored MAC, under the current key and
    each fallback key (SECRET_KEY_FALLBACKS)."""
    if not stored_mac or not isinstance(candidate, str) or not _OTP_SHAPE.match(candidate):
        return False
    # Every key is tried, with no early exit: the work is the same whichever key (or none)
    # made the MAC, so the answer's timing does not tell.
    matched = False
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        matched |= hmac.compare_digest(stored_mac, otp_mac(link_id, candidate, secret=secret))
    return matched


# A MAC no code can match: an HMAC-SHA256 hex digest is never 64 zeros in practice.
_NO_MAC = "0" * 64


def otp_check_without_link(candidate: object) -> bool:
    """The work of one OTP comparison when there is no link to compare with; always False.

    When an address has no account, or no open code, the verify flow still computes one MAC and
    compares it, so answering "no" costs what a wrong code for a real link costs and the time
    of the answer does not tell who has an account (issue 11, item 8).
    """
    return otp_matches(_NO_MAC, "no-link", candidate)
