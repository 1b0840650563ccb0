"""POST /token?grant_type=password: sign in with email and password (supabase/auth
internal/api/token.go `ResourceOwnerPasswordGrant`).

Every failure is one answer, 400 `invalid_credentials` "Invalid login credentials": an unknown
address, a staff member (accounts.protection: they do not exist for the Admin API), a user
without a usable password, a deactivated user, a wrong password, and (unless
PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED) an unconfirmed address. Each of them costs one Argon2
check (against a dummy hash when there is no real one), so the time of a refusal does not tell
them apart either. A banned user gets upstream's `user_banned`, but only after the correct
password (upstream answers it before the password is checked, which tells anyone who is
banned). Success is a session exactly like /verify's, with amr method `password`.

Brute force is limited per IP and per address at the edge (supabase_api.limits).
"""

import secrets
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.recorder import record

from ..passwords import MAX_PASSWORD_LENGTH
from ..sessions import IssuedSession, start_session
from .errors import EmailNotConfirmed, InvalidCredentials, PasswordUserBanned


@dataclass(frozen=True)
class PasswordSignIn:
    email: str
    password: object  # as sent: anything but a non-empty string is a failure like any other


@cache
def _dummy_hash() -> str:
    """A hash of a random password with the configured hasher, so that a refusal without a real
    hash costs the same Argon2 work as a wrong password (as Django's ModelBackend does)."""
    return make_password(secrets.token_urlsafe(32))


def _password_ok(user: User | None, password: str) -> bool:
    """One hasher run whatever the case. Django's check_password compares in constant time; it
    is called without a setter, so a sign-in never rewrites the hash (which would count as a
    password change and retire the user's links)."""
    usable = user is not None and user.has_usable_password()
    matches = check_password(password, user.password if usable else _dummy_hash())
    return usable and matches


def sign_in_with_password(req: PasswordSignIn) -> IssuedSession:
    password = req.password
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidCredentials()
    user = User.objects.filter(email=req.email).first()
    if user is not None and is_protected(user):
        user = None  # Security: a staff member's password is never checked through this API.
    if not _password_ok(user, password) or not user.is_active:
        if user is not None:
            record("session.password_failed", actor=Actor.anonymous(), user=user, details={})
        raise InvalidCredentials()
    if user.is_banned:
        raise PasswordUserBanned()
    if user.email_confirmed_at is None:
        if settings.PASSWORD_SIGN_IN_REVEALS_UNCONFIRMED:
            raise EmailNotConfirmed()
        raise InvalidCredentials()
    return start_session(user, method="password")
