"""User administration for the Admin API (/admin/users): create, update, delete, list.

Every request is validated completely before anything is written, so a refused request changes
nothing. Each change is one transaction with its audit event.

Staff and superusers are invisible here (accounts.protection): they are not listed or counted,
and reading, updating or deleting one answers 404 user_not_found, as for an id that does not
exist. Their addresses still count as taken (email_exists) so that no second row appears.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from ..models import User
from ..protection import unprotected
from ..user_changes import changed_by
from .emails import parse_email
from .errors import GoTrueError, validation_failed
from .passwords import check_password
from .sessions import revoke_all_sessions
from .storable import storable

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000  # larger per_page values are served as 1000, as a cap rather than an error
MAX_PER_PAGE_PARAM = 999_999_999
MAX_PAGE = 999_999
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
MAX_BAN = timedelta(days=365 * 100)


def email_exists() -> GoTrueError:
    return GoTrueError(
        422, "email_exists", "A user with this email address has already been registered"
    )


def user_not_found() -> GoTrueError:
    return GoTrueError(404, "user_not_found", "User not found")


def get_user(user_id: object) -> User:
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        raise validation_failed("user_id must be an UUID") from None
    # Security: an Admin API credential must never reach a staff member or superuser (setting
    # their password would open /admin/), so for the Admin API they do not exist.
    user = unprotected(User.objects.filter(pk=pk)).first()
    if user is None:
        raise user_not_found()
    return user


def parse_go_duration(raw: object) -> timedelta:
    """A Go duration string as GoTrue's ban_duration takes it ("24h", "1h30m", "90s")."""
    if not isinstance(raw, str) or not raw or _GO_DURATION.sub("", raw) != "":
        raise validation_failed(
            'ban_duration must be "none" or a duration such as "24h" or "1h30m"'
        )
    seconds = sum(float(n) * _GO_UNITS[unit] for n, unit in _GO_DURATION.findall(raw))
    if seconds > MAX_BAN.total_seconds():
        raise validation_failed("ban_duration is longer than 100 years")
    return timedelta(seconds=seconds)


def merge_metadata(current: dict, update: object, field: str) -> dict:
    """GoTrue's merge: keys are set, a key set to null is removed."""
    if update is None:
        return current
    if not isinstance(update, dict):
        raise validation_failed(f"{field} must be a JSON object")
    merged = dict(current or {})
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _bool(body: dict, field: str) -> bool:
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise validation_failed(f"{field} must be true or false")
    return value


@dataclass
class _Changes:
    fields: dict
    password: str | None = None
    ban: timedelta | None = None
    unban: bool = False


def _parse_changes(body: dict, user: User | None) -> _Changes:
    changes = _Changes(fields={})
    if body.get("email") is not None or user is None:
        email = parse_email(body.get("email"))
        clash = User.objects.filter(email=email)
        if user is not None:
            clash = clash.exclude(pk=user.pk)
        if clash.exists():
            raise email_exists()
        changes.fields["email"] = email
    if body.get("password") is not None:
        subject = user or User(email=changes.fields.get("email", ""))
        changes.password = check_password(body["password"], subject)
    current_user_meta = user.user_metadata if user else {}
    metadata = body.get("user_metadata", body.get("data"))
    if metadata is not None:
        changes.fields["user_metadata"] = merge_metadata(
            current_user_meta, metadata, "user_metadata"
        )
    if body.get("app_metadata") is not None:
        current_app_meta = user.app_metadata if user else {}
        changes.fields["app_metadata"] = merge_metadata(
            current_app_meta, body["app_metadata"], "app_metadata"
        )
    if _bool(body, "email_confirm") and (user is None or user.email_confirmed_at is None):
        changes.fields["email_confirmed_at"] = timezone.now()
    ban = body.get("ban_duration")
    if ban == "none":
        changes.unban = True
    elif ban is not None:
        changes.ban = parse_go_duration(ban)
    return changes


def _apply(user: User, changes: _Changes) -> None:
    for field, value in changes.fields.items():
        setattr(user, field, value)
    if "email" in changes.fields:
        user.new_email = ""
    if changes.password is not None:
        user.set_password(changes.password)
    if changes.unban:
        user.banned_until = None
    elif changes.ban is not None:
        user.banned_until = timezone.now() + changes.ban


def _audit_fields(body: dict) -> list[str]:
    # Field names only: values (passwords, metadata) are not copied into the audit log.
    return sorted(key for key, value in body.items() if value is not None)


def create_user(body: dict, *, actor: Actor) -> User:
    """POST /admin/users."""
    requested_id = body.get("id")
    if requested_id is not None:
        try:
            requested_id = uuid.UUID(str(requested_id))
        except ValueError:
            raise validation_failed("id must be an UUID") from None
    changes = _parse_changes(body, None)
    user = User(email=changes.fields["email"])
    if requested_id is not None:
        user.id = requested_id
    _apply(user, changes)
    if changes.password is None:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            record("user.created", actor=actor, user=user, details={"fields": _audit_fields(body)})
    except IntegrityError:  # a concurrent request took the address (or the id) first
        raise email_exists() from None
    return user


def update_user(user: User, body: dict, *, actor: Actor) -> User:
    """PUT /admin/users/{id}."""
    changes = _parse_changes(body, user)
    _apply(user, changes)
    try:
        # A ban revokes the user's sessions and a new email or password retires their open
        # links, in this transaction, through accounts.user_changes (attributed to `actor`).
        with transaction.atomic(), changed_by(actor):
            user.save()
            record("user.updated", actor=actor, user=user, details={"fields": _audit_fields(body)})
    except IntegrityError:
        raise email_exists() from None
    return user


def delete_user(user: User, *, soft: bool, actor: Actor) -> None:
    """DELETE /admin/users/{id}: hard by default; soft deactivates and signs the user out."""
    with transaction.atomic():
        record("user.deleted", actor=actor, user=user, details={"soft": soft})
        if soft:
            User.objects.filter(pk=user.pk).update(is_active=False, updated_at=timezone.now())
            revoke_all_sessions(user, reason="deleted", actor=actor)
        else:
            user.delete()


def _positive_int(raw: object, field: str, default: int, maximum: int) -> int:
    """An integer from 1 to `maximum`; empty means the default (the Python client sends
    `page=&per_page=` when they are not set)."""
    if raw in (None, ""):
        return default
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise validation_failed(f"Bad Pagination Parameters: {field} must be an integer")
    value = int(raw)
    if not 1 <= value <= maximum:
        raise validation_failed(
            f"Bad Pagination Parameters: {field} must be between 1 and {maximum}"
        )
    return value


@dataclass(frozen=True)
class UserPage:
    users: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_users(page: object, per_page: object, email_filter: object = None) -> UserPage:
    """GET /admin/users: newest first, `page` 1–999999, `per_page` served up to 1000."""
    page_number = _positive_int(page, "page", 1, MAX_PAGE)
    size = min(
        _positive_int(per_page, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE_PARAM), MAX_PER_PAGE
    )
    # Unprotected users only, so that the page and x-total-count agree with get_user.
    users = unprotected(User.objects.all()).order_by("-created_at", "-id")
    if isinstance(email_filter, str) and email_filter:
        if not storable(email_filter):
            raise validation_failed("filter contains NUL characters or unpaired surrogates")
        users = users.filter(email__icontains=email_filter[:255])
    total = users.count()
    start = (page_number - 1) * size
    return UserPage(list(users[start : start + size]), total, page_number, size)


def parse_soft_delete(body: dict) -> bool:
    return _bool(body, "should_soft_delete")
