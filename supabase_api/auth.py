"""Who is calling: the bearer token of an Admin API request, checked once per request.

Admin endpoints (/auth/v1/admin/* and /invite) take a service key (`lgsk_…`, created by
`manage.py create_service_key`, stored as a SHA-256 digest) or an HS256 JWT signed with
JWT_SECRET whose `role` is `service_role` or `supabase_admin` (what Supabase's own service_role
key is). Missing bearer: 401 `no_authorization`; a bad key or JWT: 403 `bad_jwt`; a valid JWT of
another role: 403 `not_admin`. The user endpoints (GET/PUT /user, /logout) take the user's
access token (supabase_api.sessions.authenticate_access_token).
"""

import re
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest

from accounts import keys
from accounts.key_services import touch_last_used
from accounts.models import ServiceKey
from audit import selects
from audit.actors import Actor
from audit.models import ActorType

from . import jwts, sessions
from .errors import GoTrueError
from .flows.errors import NotAdmin
from .models import AuthSession
from .representations import ADMIN_ROLES

# Anything that is not shaped like a service key is refused before it is hashed or looked up.
_SERVICE_KEY_SHAPE = re.compile(r"^lgsk_[A-Za-z0-9_-]{20,128}$")


def bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _required_bearer(request: HttpRequest) -> str:
    token = bearer_token(request)
    if token is None:
        raise GoTrueError(401, "no_authorization", "This endpoint requires a Bearer token")
    return token


@cache
def _service_key_sql() -> str:
    # Written once per process (audit.selects): every Admin API call with a service key starts
    # here, and compiling the ORM's query cost more CPU than running it (generate_link 2.64 →
    # 2.35 ms of CPU in one process without it; docs/performance.md).
    table = connection.ops.quote_name(ServiceKey._meta.db_table)
    return (
        f"SELECT {selects.columns(ServiceKey, 'k')} FROM {table} k"  # noqa: S608
        ' WHERE k."key_digest" = %s AND k."revoked_at" IS NULL'
    )


def _active_service_key(digest: str) -> ServiceKey | None:
    with connection.cursor() as cursor:
        cursor.execute(_service_key_sql(), [digest])
        found = cursor.fetchone()
    return selects.instances((ServiceKey,), found)[0] if found else None


def service_key(presented: str) -> ServiceKey | None:
    """The active service key `presented` is, or None. Constant-time on the digest."""
    if not _SERVICE_KEY_SHAPE.match(presented):
        return None
    key = _active_service_key(keys.digest_key(presented))
    # The lookup is by digest (a unique index); the final comparison is constant-time anyway so
    # that no code path compares secrets with ==.
    if key is None or not keys.digests_match(key.key_digest, presented):
        return None
    touch_last_used(key)
    return key


def authorise_admin(request: HttpRequest) -> Actor:
    """The audit actor of an authorised admin call; raises GoTrueError/FlowError otherwise."""
    token = _required_bearer(request)
    if token.startswith(keys.SERVICE_KEY_PREFIX):
        key = service_key(token)
        if key is None:
            raise GoTrueError(403, "bad_jwt", "Invalid or revoked service key")
        return Actor.service(key)
    claims = jwts.decode(token, audience=None)
    role = claims.get("role")
    # Only the admin roles: a user's own access token (role "authenticated") must never
    # administer other users.
    if role not in ADMIN_ROLES:
        raise NotAdmin()
    return Actor(ActorType.SERVICE, "", f"JWT role {role}")


def authenticate_user(request: HttpRequest) -> tuple[Any, AuthSession]:
    """The signed-in user and their live session, from the access token in the request."""
    return sessions.authenticate_access_token(_required_bearer(request))
