"""A partner claiming a user that nobody has taken up yet (finding 7 of docs/security.md).

Anonymous `POST /auth/v1/otp` creates an unconfirmed user for any address, so without this a
stranger could block a partner from ever onboarding that person (409 EMAIL_IN_USE). A partner may
therefore take over a user who is

- unconfirmed (`email_confirmed_at` is null: nobody has proved they read the mailbox),
- has never signed in (`last_login` is null),
- on no account of any partner,
- active, not banned, and not staff or superuser (accounts.protection).

Whoever created such a user may have planted things for later: a password (Admin API signup),
metadata, open links whose secret or code they kept, a session. Claiming wipes all of them
(unusable password, empty user_metadata and app_metadata, no pending email change, every open
link invalidated, every Admin API session revoked), so taking over the address gives the creator
nothing when the real person arrives: the classic pre-account-takeover. Audited as `user.claimed`
with the partner.

Runs inside the caller's transaction, under a lock on the user row taken before the conditions
are checked: a second partner claiming the same user at the same moment waits, then sees the
first partner's membership and is refused.
"""

from typing import Any

from accounts.models import Membership, Partner, User
from accounts.protection import is_protected
from accounts.sign_out import end_sessions
from audit.actors import Actor
from audit.recorder import record

from ..models import InvalidationReason
from .issue import invalidate_open_links


def is_claimable(user: Any) -> bool:
    """Whether a partner may take `user` over (the list in the module docstring)."""
    return (
        user.email_confirmed_at is None
        and user.last_login is None
        and user.is_active
        and not user.is_banned
        and not is_protected(user)
        and not Membership.objects.filter(user=user).exists()
    )


def lock_user(user: User) -> User:
    """The user's row again, locked for the rest of the caller's transaction."""
    return User.objects.select_for_update().get(pk=user.pk)


def claim_user(
    user: User, partner: Partner, *, actor: Actor, first_name: str, last_name: str
) -> User:
    """Wipe what the creator of `user` could have planted and hand the user to `partner`.

    `user` must be locked (lock_user) and claimable (is_claimable); the caller then adds the
    membership in the same transaction."""
    planted = sorted(
        field
        for field, present in (
            ("password", user.has_usable_password()),
            ("user_metadata", bool(user.user_metadata)),
            ("app_metadata", bool(user.app_metadata)),
            ("new_email", bool(user.new_email)),
        )
        if present
    )
    # Before the save: the password change below would retire the links too (magiclinks.
    # receivers), but then under the generic reason; here they are counted for the claim.
    links = invalidate_open_links(user=user, actor=actor, reason=InvalidationReason.USER_CHANGED)
    user.set_unusable_password()
    user.user_metadata, user.app_metadata = {}, {}
    user.new_email, user.email_change_sent_at = "", None
    # The partner's names, as for a new user: whatever was there came from the creator.
    user.first_name, user.last_name = first_name, last_name
    user.save()
    # Through accounts.sign_out: the sessions are the Admin API's (supabase_api), a layer above.
    sessions = end_sessions(user, reason="claimed", actor=actor)
    record(
        "user.claimed",
        actor=actor,
        partner=partner,
        user=user,
        details={
            "wiped": planted,
            "links_invalidated": links,
            "sessions_revoked": sessions,
        },
    )
    return user


__all__ = ["claim_user", "is_claimable", "lock_user"]
