"""PUT /user: the signed-in user changes their own password, metadata or email address.

A new password is checked by Django's validators, must differ from the current one (422
same_password, as upstream), with SECURE_PASSWORD_CHANGE needs the GET /reauthenticate
nonce (flows.reauthenticate), and signs out the user's other sessions (the
one making the change stays signed in), as Supabase Auth does. A new email address is not
applied at once: the other changes are, and an email_change_new link is emailed to the new
address (supabase_api.flows.verify moves the user to it when that link is verified). Everything
is one transaction: a refused link (the address is taken) leaves the password and metadata as
they were.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.user_changes import changed_by
from audit.actors import Actor
from audit.recorder import record
from magiclinks.models import LinkKind

from ..metadata import merge_metadata
from ..models import AuthSession
from ..passwords import check_password
from ..sessions import revoke_sessions
from .admin_links import LinkRequest, default_lifetime
from .email_links import send_link
from .errors import SamePassword
from .pkce import PkceChallenge
from .reauthenticate import require_nonce


@dataclass(frozen=True)
class OwnChanges:
    """What PUT /user asks for; None means "leave as it is"."""

    password: str | None = None
    data: dict | None = None
    new_email: str | None = None  # only when it differs from the current address
    redirect_to: str = ""  # where the email-change link leads (validated)
    nonce: str = ""  # the GET /reauthenticate code (flows.reauthenticate.require_nonce)
    pkce: PkceChallenge | None = None  # for the email-change link


def update_own_user(user: Any, session: AuthSession, changes: OwnChanges) -> Any:
    """Apply `changes` for `user` signed in with `session`; returns the user as it now is."""
    password = None
    if changes.password is not None:
        password = check_password(changes.password, user)
        if user.has_usable_password() and user.check_password(password):
            # Upstream's UserUpdate (internal/api/user.go): `if isSamePassword { return
            # NewUnprocessableEntityError(ErrorCodeSamePassword, …) }`, before anything is
            # written. (check_password is Django's: Argon2 work, constant-time comparison.)
            raise SamePassword()
        # The nonce is checked last (upstream checks it first): a request refused for its
        # password's strength or sameness must not use up the emailed code.
        require_nonce(user, session, changes.nonce)
    actor = Actor.user(user)
    with transaction.atomic():
        # A new password retires the user's open links too (accounts.user_changes).
        with changed_by(actor):
            fields = []
            if password is not None:
                user.set_password(password)
                fields.append("password")
            if changes.data is not None:
                user.user_metadata = merge_metadata(user.user_metadata, changes.data)
                fields.append("user_metadata")
            if fields:
                user.save()
                record("user.updated", actor=actor, user=user, details={"fields": fields})
            if password is not None:
                # Security: whoever else holds a session (perhaps the reason for the change) is
                # out.
                others = AuthSession.objects.filter(user=user, revoked_at=None).exclude(
                    pk=session.pk
                )
                revoke_sessions(user, others, reason="password_changed")
        if changes.new_email:
            link = LinkRequest(
                type=LinkKind.EMAIL_CHANGE_NEW,
                email=user.email,
                new_email=changes.new_email,
                redirect_to=changes.redirect_to,
                lifetime=default_lifetime(),
                pkce=changes.pkce,
            )
            return send_link(link, actor=actor, kind="email_change").user
    return user
