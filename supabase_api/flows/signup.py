"""POST /signup: a new user with a password, confirmed by an emailed link (supabase/auth
internal/api/signup.go).

- A new address: the user is created with the password and a signup link is emailed through
  the outbox (one transaction, `email_links.send_link`); the answer is the user. With
  MAILER_AUTOCONFIRM the user is confirmed at once and the answer is a session (amr `password`).
- An existing, unconfirmed address: a new confirmation link is emailed; the password and user
  are left as they are (upstream: "we can't be sure of their claimed identity").
- An existing confirmed address, or one that may not be touched (staff, banned, deactivated):
  upstream's obfuscated answer, a user-shaped body with a random id and nothing sent, so the
  answer does not say who is registered. With MAILER_AUTOCONFIRM upstream answers
  `user_already_exists` instead, and so do we.

The password's strength is checked before the address is looked up, so a weak password is
refused the same way for every address.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.recorder import record
from magiclinks.models import LinkKind

from ..passwords import check_password
from ..sessions import IssuedSession, start_session
from .admin_links import LinkRequest, default_lifetime
from .email_links import send_link, usable
from .errors import EmailExists, SignupDisabled, UserAlreadyRegistered
from .pkce import PkceChallenge


@dataclass(frozen=True)
class SignupRequest:
    email: str
    password: str
    data: dict
    redirect_to: str
    pkce: PkceChallenge | None = None


@dataclass(frozen=True)
class SignedUp:
    """The user to show (a real one, or the obfuscated stand-in) and, with autoconfirm, the
    session."""

    user: Any
    session: IssuedSession | None = None
    obfuscated: bool = False


def _obfuscated(req: SignupRequest) -> SignedUp:
    """supabase/auth `sanitizeUser`: what a new user would look like, with a random id."""
    now = timezone.now()
    stand_in = User(
        id=uuid.uuid4(),
        email=req.email,
        user_metadata=req.data,
        created_at=now,
        confirmation_sent_at=now,
    )
    stand_in.updated_at = now
    return SignedUp(user=stand_in, obfuscated=True)


def _taken(user: User | None) -> bool:
    """An address that signs up nobody: confirmed, or one that gets no links (staff, banned,
    deactivated: email_links.usable), answered alike."""
    return user is not None and (user.email_confirmed_at is not None or not usable(user))


def _repeated(user: User, req: SignupRequest) -> SignedUp:
    # Security: the hashing a new sign-up does, done and discarded, so that the obfuscated answer
    # does not come back measurably sooner than a real one.
    make_password(req.password)
    # Upstream's audit action for this case (user_repeated_signup); nobody is told.
    record("user.repeated_signup", actor=Actor.anonymous(), user=user, details={})
    if settings.MAILER_AUTOCONFIRM:
        raise UserAlreadyRegistered()
    return _obfuscated(req)


def _autoconfirmed(req: SignupRequest, password: str) -> SignedUp:
    user = User(email=req.email, user_metadata=req.data, email_confirmed_at=timezone.now())
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            record("user.created", actor=Actor.user(user), user=user, details={"via": "signup"})
            session = start_session(user, method="password")
    except IntegrityError:  # a concurrent sign-up took the address first
        raise UserAlreadyRegistered() from None
    return SignedUp(user=user, session=session)


def sign_up(req: SignupRequest) -> SignedUp:
    if settings.DISABLE_SIGNUP:
        raise SignupDisabled()
    password = check_password(req.password, User(email=req.email))
    user = User.objects.filter(email=req.email).first()
    if _taken(user):
        return _repeated(user, req)
    if settings.MAILER_AUTOCONFIRM:
        if user is not None:
            # Security: upstream confirms an existing unconfirmed user here and hands the caller
            # a session of it, without any proof of the password or the mailbox. Refused.
            raise UserAlreadyRegistered()
        return _autoconfirmed(req, password)
    link = LinkRequest(
        type=LinkKind.SIGNUP,
        email=req.email,
        password=password,
        # An existing unconfirmed user is not changed by a stranger's sign-up: no metadata.
        data=req.data if user is None else None,
        redirect_to=req.redirect_to,
        lifetime=default_lifetime(),
        pkce=req.pkce,
    )
    actor = Actor.user(user) if user is not None else Actor.anonymous()
    try:
        return SignedUp(user=send_link(link, actor=actor).user)
    except EmailExists:
        # Created (and perhaps confirmed) by a concurrent request: the obfuscated answer.
        return _obfuscated(req)
