"""A user and a session as Supabase Auth serialises them (`models.User`, `AccessTokenResponse`
in supabase/auth).

Like GoTrue (`omitempty`), timestamps that are not set are left out rather than sent as null.
Every user has exactly one identity, the `email` provider's, derived from the user row.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

AUDIENCE = "authenticated"
ROLE = "authenticated"
# The JWT roles that administer users (supabase_api.auth): never a user's role.
ADMIN_ROLES = frozenset({"service_role", "supabase_admin"})
# A fixed namespace, so that a user's identity id is stable across requests and servers.
_IDENTITY_NAMESPACE = uuid.UUID("6f1c3f0e-4b7a-4e65-9f0f-2a4f0c1d9b11")


def timestamp(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with microseconds, e.g. 2026-01-01T00:00:00.000000Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def app_metadata(user: Any) -> dict:
    """GoTrue always reports the provider; the stored app_metadata is merged over it."""
    return {"provider": "email", "providers": ["email"], **(user.app_metadata or {})}


def role(user: Any) -> str:
    """The user's `role` (set by an admin), else Supabase's default.

    Security: an admin role is never a user's, however it reached the row (the Admin API
    refuses it; this holds for any other path too): a user's access token with it would be
    accepted as an Admin API credential."""
    return ROLE if not user.role or user.role in ADMIN_ROLES else user.role


def _identity(user: Any) -> dict:
    user_id = str(user.pk)
    deleted = user.deleted_at is not None
    data = {
        "email": user.email,
        "email_verified": user.email_confirmed_at is not None,
        "phone_verified": False,
        "sub": user_id,
    }
    if deleted:
        data = {}  # upstream's SoftDeleteUserIdentities empties identity_data (and its email)
    identity = {
        "identity_id": str(uuid.uuid5(_IDENTITY_NAMESPACE, user_id)),
        "id": user_id,
        "user_id": user_id,
        "identity_data": data,
        "provider": "email",
        "last_sign_in_at": timestamp(user.last_login),
        "created_at": timestamp(user.created_at),
        "updated_at": timestamp(user.updated_at),
        "email": None if deleted else user.email,
    }
    return {key: value for key, value in identity.items() if value is not None}


def user_json(user: Any) -> dict:
    """The user object every Admin API endpoint returns."""
    body = {
        "id": str(user.pk),
        "aud": AUDIENCE,
        "role": role(user),
        "email": user.email,
        "email_confirmed_at": timestamp(user.email_confirmed_at),
        "phone": "",
        "confirmed_at": timestamp(user.email_confirmed_at),
        "confirmation_sent_at": timestamp(user.confirmation_sent_at),
        "recovery_sent_at": timestamp(user.recovery_sent_at),
        "new_email": user.new_email or None,
        "email_change_sent_at": timestamp(user.email_change_sent_at),
        "invited_at": timestamp(user.invited_at),
        "last_sign_in_at": timestamp(user.last_login),
        "banned_until": timestamp(user.banned_until) if user.is_banned else None,
        "app_metadata": app_metadata(user),
        "user_metadata": user.user_metadata or {},
        "identities": [_identity(user)],
        "created_at": timestamp(user.created_at),
        "updated_at": timestamp(user.updated_at),
        "deleted_at": timestamp(user.deleted_at),
        "is_anonymous": False,
    }
    return {key: value for key, value in body.items() if value is not None}


def session_json(issued: Any) -> dict:
    """A session as /verify and /token return it (`issued`: a sessions.IssuedSession)."""
    return {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "expires_at": issued.expires_at,
        "refresh_token": issued.refresh_token,
        "user": user_json(issued.user),
    }
