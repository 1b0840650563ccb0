"""GET /reauthenticate and the nonce of a password change (supabase/auth
internal/api/reauthenticate.go, and user.go's UpdatePasswordRequireReauthentication rule).

`send_nonce` emails the signed-in user a 6-digit code through the outbox. It is a LoginLink of
kind `reauthentication` issued with an OTP, so it has what every code has here: stored only as
a keyed HMAC, single use, an expiry (REAUTHENTICATION_NONCE_SECONDS), a bounded number of
guesses (OTP_MAX_ATTEMPTS) and an audit trail. No /verify type redeems it: it signs nobody in.

`require_nonce` is the rule of PUT /user when SECURE_PASSWORD_CHANGE is on: a new password from
a session older than SECURE_PASSWORD_CHANGE_RECENT_SECONDS (upstream: 24 hours) needs that code
(`reauthentication_needed` without it, `reauthentication_not_valid` for a wrong, used or
expired one). A recent session needs none, as upstream.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_otp
from magiclinks.models import LinkKind
from magiclinks.notifications.outbox import queue_link_email

from ..models import AuthSession
from .errors import (
    ReauthenticationEmailNotConfirmed,
    ReauthenticationNeeded,
    ReauthenticationNotValid,
)


def send_nonce(user: Any) -> None:
    """Email `user` a reauthentication code (it replaces any earlier one)."""
    if user.email_confirmed_at is None:
        raise ReauthenticationEmailNotConfirmed()
    actor = Actor.user(user)
    with transaction.atomic():
        issued = issue_link(
            user=user,
            kind=LinkKind.REAUTHENTICATION,
            actor=actor,
            lifetime=timedelta(seconds=settings.REAUTHENTICATION_NONCE_SECONDS),
            with_otp=True,
            details={"via": "admin_api"},
        )
        queue_link_email(issued, kind="reauthentication", actor=actor)


def _recent(session: AuthSession) -> bool:
    window = timedelta(seconds=settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS)
    return timezone.now() < session.created_at + window


def require_nonce(user: Any, session: AuthSession, nonce: str) -> None:
    """Consume the user's reauthentication code for a password change when the rule asks for it.

    Call before the change's own transaction: a wrong code's attempt counter must stay counted
    even though the change is refused."""
    if not settings.SECURE_PASSWORD_CHANGE or _recent(session):
        return
    if not nonce:
        raise ReauthenticationNeeded()
    if not redeem_otp(user, nonce, kinds=[LinkKind.REAUTHENTICATION]).ok:
        raise ReauthenticationNotValid()
