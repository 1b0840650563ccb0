"""Security-relevant changes to a user, announced inside the transaction that writes them.

`User.save()` compares the row as it was loaded with what it is about to write and, when
something below changed, sends `user_security_changed` in the same transaction as the write
(a receiver that fails rolls the change back):

- `email`: the address changed;
- `password`: a password was set (`set_password`) or made unusable; not the rehash Django does
  on sign-in when the hasher's parameters change (it clears its `_password` marker for that);
- `deactivated`: `is_active` went from true to false;
- `banned`: `banned_until` changed and the user is now banned.

Why in the model and not in each service? Every path must react: the Admin API, PUT /user, the
email_change verify, the Django admin's user form and password form, the browser password pages,
`manage.py changepassword`, and whatever is added next. A model hook cannot be forgotten by a new
path; a queryset `update()` bypasses it, so code that updates users that way (the Admin API's
soft delete) does its own revocation.

Receivers: `supabase_api.receivers` revokes the user's Admin API sessions on
`deactivated`/`banned`; `magiclinks.receivers` invalidates the user's open links on
`email`/`password` (accounts imports neither, so the upper layers listen).

Who made the change is not known to `save()` (Django's own forms call it): services and admin
views wrap the save in `changed_by(actor)`; without it the receivers record `Actor.system`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.dispatch import Signal

from audit.actors import Actor

EMAIL, PASSWORD, DEACTIVATED, BANNED = "email", "password", "deactivated", "banned"
CREDENTIALS = frozenset({EMAIL, PASSWORD})
ACCESS_WITHDRAWN = frozenset({DEACTIVATED, BANNED})
TRACKED_FIELDS = ("email", "password", "is_active", "banned_until")

# Sent with: user, changes (frozenset of the names above), actor (an audit Actor).
user_security_changed = Signal()

_actor: ContextVar[Actor | None] = ContextVar("user_change_actor", default=None)
UNKNOWN_ACTOR = Actor.system("user change")


@contextmanager
def changed_by(actor: Actor) -> Iterator[None]:
    """Attribute the user changes saved inside the block to `actor` (for the audit log)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get() or UNKNOWN_ACTOR


def saved_state(user: Any, fields: tuple[str, ...] | list[str] = TRACKED_FIELDS) -> dict:
    """The tracked values of `user` as loaded (deferred fields are simply not tracked)."""
    return {field: user.__dict__[field] for field in fields if field in user.__dict__}


def detect(user: Any, saved: dict, update_fields: Any, password_was_set: bool) -> frozenset[str]:
    """What the coming save changes, by the table above. `saved` is `saved_state()` at load."""
    written = None if update_fields is None else set(update_fields)

    def changed(field: str) -> bool:
        return (
            (written is None or field in written)
            and field in saved
            and saved[field] != user.__dict__.get(field)
        )

    changes = set()
    if changed("email"):
        changes.add(EMAIL)
    if (written is None or "password" in written) and (
        password_was_set or (changed("password") and not user.has_usable_password())
    ):
        changes.add(PASSWORD)
    if changed("is_active") and saved["is_active"] and not user.is_active:
        changes.add(DEACTIVATED)
    if changed("banned_until") and user.is_banned:
        changes.add(BANNED)
    return frozenset(changes)
