"""User administration for the Admin API (/admin/users): look up, create, update, delete, list.

The request arrives validated (supabase_api.serializers: `UserChanges`); what needs the database
(an address already taken, a password's strength against the user) is checked here before
anything is written. Each change is one transaction with its audit event.

Staff and superusers are invisible here (accounts.protection): they are not listed or counted,
and reading, updating or deleting one answers 404 user_not_found, as for an id that does not
exist. Their addresses still count as taken (email_exists) so that no second row appears.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.protection import unprotected
from accounts.user_changes import changed_by
from audit.actors import Actor
from audit.recorder import record

from ..metadata import merge_metadata
from ..passwords import check_password
from ..sessions import revoke_all_sessions
from .errors import EmailExists, UserNotFound


@dataclass(frozen=True)
class UserChanges:
    """A validated POST /admin/users or PUT /admin/users/{id} body; None: leave as it is."""

    email: str | None = None
    password: str | None = None
    user_metadata: dict | None = None
    app_metadata: dict | None = None
    email_confirm: bool = False
    ban: timedelta | None = None
    unban: bool = False
    role: str | None = None
    id: uuid.UUID | None = None  # creation only
    # The names of the fields the body set (not their values: passwords and metadata stay out
    # of the audit log).
    named: tuple[str, ...] = field(default=())


def get_user(pk: uuid.UUID) -> User:
    # Security: an Admin API credential must never reach a staff member or superuser (setting
    # their password would open /admin/), so for the Admin API they do not exist.
    user = unprotected(User.objects.filter(pk=pk)).first()
    if user is None:
        raise UserNotFound()
    return user


def _check(changes: UserChanges, user: User | None) -> str | None:
    """The checks that need the database, in GoTrue's order; returns the checked password."""
    if changes.email is not None:
        clash = User.objects.filter(email=changes.email)
        if user is not None:
            clash = clash.exclude(pk=user.pk)
        if clash.exists():
            raise EmailExists()
    if changes.password is None:
        return None
    return check_password(changes.password, user or User(email=changes.email or ""))


def _apply(user: User, changes: UserChanges, password: str | None) -> None:
    if changes.email is not None:
        user.email, user.new_email = changes.email, ""
    if changes.user_metadata is not None:
        user.user_metadata = merge_metadata(user.user_metadata, changes.user_metadata)
    if changes.app_metadata is not None:
        user.app_metadata = merge_metadata(user.app_metadata, changes.app_metadata)
    if changes.email_confirm and user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
    if password is not None:
        user.set_password(password)
    if changes.role is not None:
        user.role = changes.role
    if changes.unban:
        user.banned_until = None
    elif changes.ban is not None:
        user.banned_until = timezone.now() + changes.ban


def create_user(changes: UserChanges, *, actor: Actor) -> User:
    """POST /admin/users (`changes.email` is required by the serializer)."""
    password = _check(changes, None)
    user = User(email=changes.email)
    if changes.id is not None:
        user.id = changes.id
    _apply(user, changes, password)
    if password is None:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            record("user.created", actor=actor, user=user, details={"fields": list(changes.named)})
    except IntegrityError:  # a concurrent request took the address (or the id) first
        raise EmailExists() from None
    return user


def update_user(user: User, changes: UserChanges, *, actor: Actor) -> User:
    """PUT /admin/users/{id}."""
    password = _check(changes, user)
    _apply(user, changes, password)
    try:
        # A ban revokes the user's sessions and a new email or password retires their open
        # links, in this transaction, through accounts.user_changes (attributed to `actor`).
        with transaction.atomic(), changed_by(actor):
            user.save()
            record("user.updated", actor=actor, user=user, details={"fields": list(changes.named)})
    except IntegrityError:
        raise EmailExists() from None
    return user


def obfuscated(user: User, value: str) -> str:
    """What a soft-deleted user's address becomes: upstream's obfuscateValue (SHA-256 of the id
    and the value), in lower-case hex rather than base64url because addresses are stored
    lower-cased (a database constraint). It has no "@", so it is never anybody's address."""
    return hashlib.sha256(f"{user.pk}{value}".encode()).hexdigest()


def delete_user(user: User, *, soft: bool, actor: Actor) -> None:
    """DELETE /admin/users/{id}: hard by default, or upstream's soft delete (SoftDeleteUser).

    Soft: `deleted_at` is set, the address obfuscated (so it can sign up again), the pending
    email change, password and metadata cleared and the user deactivated. Saved through
    User.save() in changed_by(actor), so accounts.user_changes retires the open links (new
    address, password) and revokes the sessions (deactivated), in this transaction. A user
    already soft-deleted is left as is."""
    with transaction.atomic():
        record("user.deleted", actor=actor, user=user, details={"soft": soft})
        if not soft:
            user.delete()
        elif user.deleted_at is None:
            user.email, user.new_email = obfuscated(user, user.email), ""
            user.set_unusable_password()
            user.user_metadata, user.app_metadata = {}, {}
            user.is_active, user.deleted_at = False, timezone.now()
            with changed_by(actor):
                user.save()
            # Sessions of a user deactivated earlier (no "deactivated" change now) go too.
            revoke_all_sessions(user, reason="deleted", actor=actor)


def listed_users(email_filter: str = "") -> QuerySet:
    """GET /admin/users: newest first, optionally those whose address contains `email_filter`.

    Unprotected users only, so that a page and x-total-count agree with get_user."""
    users = unprotected(User.objects.all()).order_by("-created_at", "-id")
    if email_filter:
        users = users.filter(email__icontains=email_filter[:255])
    return users
