"""PUT /user: the signed-in user changes their own password or metadata.

A new password is checked by Django's validators and signs out the user's other sessions (the
one making the change stays signed in), as Supabase Auth does. A new email address needs a
confirmation link, which only magiclinks can issue: magiclinks.gotrue.user_views handles it and
calls this for the rest; called directly with a new address this refuses.
"""

from typing import Any

from django.db import transaction

from audit.actors import Actor
from audit.recorder import record

from ..models import AuthSession
from ..user_changes import changed_by
from .errors import GoTrueError
from .passwords import check_password
from .sessions import revoke_sessions
from .users import merge_metadata


def update_own_user(user: Any, session: AuthSession, body: dict) -> Any:
    email = body.get("email")
    if email is not None and (not isinstance(email, str) or email.strip().lower() != user.email):
        raise GoTrueError(
            422,
            "email_change_not_supported",
            "Email changes go through an email_change link (POST /admin/generate_link)",
        )
    password = body.get("password")
    if password is not None:
        password = check_password(password, user)
    metadata = body.get("data")
    new_metadata = (
        merge_metadata(user.user_metadata, metadata, "data") if metadata is not None else None
    )
    # A new password retires the user's open links too (accounts.user_changes).
    with transaction.atomic(), changed_by(Actor.user(user)):
        changed = []
        if password is not None:
            user.set_password(password)
            changed.append("password")
        if new_metadata is not None:
            user.user_metadata = new_metadata
            changed.append("user_metadata")
        if changed:
            user.save()
            record("user.updated", actor=Actor.user(user), user=user, details={"fields": changed})
        if password is not None:
            # Security: whoever else holds a session (perhaps the reason for the change) is out.
            others = AuthSession.objects.filter(user=user, revoked_at=None).exclude(pk=session.pk)
            revoke_sessions(user, others, reason="password_changed")
    return user
