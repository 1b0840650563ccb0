"""Admin API sessions: start, refresh (rotate), look up by access token, revoke.

A session is an AuthSession row with a chain of RefreshTokens. Refresh tokens are 256-bit random
strings stored as SHA-256 digests. Refreshing consumes the presented token with one conditional
UPDATE (`… WHERE used_at IS NULL`), so two simultaneous refreshes cannot both succeed; presenting
a token that was already used is treated as theft and revokes the whole session, as Supabase
Auth does, except within REFRESH_TOKEN_REUSE_INTERVAL seconds of its rotation (upstream's reuse
interval): then the session's current token is answered, so that two tabs or SSR middleware
refreshing the same token at once do not sign the user out. To answer the *same* current token
without storing any token in a usable form, a rotated token's successor is derived from it
(`_successor`, an HMAC keyed with SECRET_KEY), so the chain can be walked from what the client
presents; the first token of a session is random.

A session whose user has since become staff or superuser (accounts.protection) is refused by
both refresh and the access-token check: the Admin API must not keep a handle on them.

Refusals are FlowErrors (supabase_api.flows.errors); the views map them to GoTrue's codes.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts import keys
from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.context import current
from audit.recorder import record

from . import jwts
from .flows.errors import (
    InvalidJwt,
    RefreshTokenNotFound,
    RefreshTokenReused,
    RefreshUserBanned,
    SessionNotFound,
    SessionUserBanned,
    SessionUserGone,
)
from .models import AuthSession, RefreshToken
from .representations import AUDIENCE

_REFRESH_TOKEN_BYTES = 32
_SUCCESSOR_SALT = "linkgate.supabase_api.sessions.refresh_successor"
# Rotations walked within one reuse interval before the reuse is treated as theft: a client
# that refreshes more than this often in 10 s is not a browser with a few tabs.
_MAX_REUSE_WALK = 20


@dataclass(frozen=True)
class IssuedSession:
    """A session's tokens as handed to the client, once."""

    session: AuthSession
    user: Any
    access_token: str
    refresh_token: str
    expires_at: int
    expires_in: int


def _successor(presented: str) -> str:
    """The refresh token that rotating `presented` issues.

    Security: keyed with SECRET_KEY (Django's salted_hmac), so only the server can compute it:
    a thief holding an old token cannot derive the live one, and reusing the old token after
    the interval still revokes the session. Deterministic so that a reuse within the interval
    can answer the token the first request got (upstream returns its stored active token; we
    store only digests). A rotated SECRET_KEY only means that a reuse gets a fresh child."""
    return salted_hmac(_SUCCESSOR_SALT, presented, algorithm="sha256").hexdigest()


def _new_refresh_token(
    session: AuthSession, parent: RefreshToken | None = None, plaintext: str | None = None
) -> str:
    plaintext = plaintext or secrets.token_urlsafe(_REFRESH_TOKEN_BYTES)
    RefreshToken.objects.create(
        session=session, token_digest=keys.digest_key(plaintext), parent=parent
    )
    return plaintext


def _within_reuse_interval(token: RefreshToken, now) -> bool:
    interval = settings.REFRESH_TOKEN_REUSE_INTERVAL
    return (
        interval > 0
        and token.used_at is not None
        and now - token.used_at <= timedelta(seconds=interval)
    )


def _current_successor(session: AuthSession, token: RefreshToken, presented: str) -> str | None:
    """The session's live token reached from `presented` by rotation, issuing the successor
    if it does not exist (a token rotated under an earlier SECRET_KEY), or None when the walk
    is longer than _MAX_REUSE_WALK."""
    parent, plaintext = token, presented
    for _ in range(_MAX_REUSE_WALK):
        successor = _successor(plaintext)
        child = RefreshToken.objects.filter(
            session=session, token_digest=keys.digest_key(successor)
        ).first()
        if child is None:
            # Upstream's GrantRefreshTokenSwap from the reused token. get_or_create: two reuses
            # racing here derive the same successor, and both get it.
            RefreshToken.objects.get_or_create(
                token_digest=keys.digest_key(successor),
                defaults={"session": session, "parent": parent},
            )
            return successor
        if child.used_at is None:
            return successor
        parent, plaintext = child, successor
    return None


def _issue(session: AuthSession, user: Any, refresh_token: str, now) -> IssuedSession:
    access_token, exp = jwts.encode_access_token(
        user, session_id=str(session.pk), method=session.method, now=now
    )
    return IssuedSession(
        session=session,
        user=user,
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=exp,
        expires_in=exp - int(now.timestamp()),
    )


def start_session(user: Any, *, method: str) -> IssuedSession:
    """Sign `user` in: a new session, its first refresh token and an access token.

    Joins the caller's transaction (verify redeems the link and starts the session atomically).
    """
    now = timezone.now()
    request = current()
    # No savepoint: nothing here is retried on its own; a failure rolls the caller back whole.
    with transaction.atomic(savepoint=False):
        session = AuthSession.objects.create(
            user=user,
            method=method,
            created_at=now,
            ip_address=request.ip_address,
            user_agent=request.user_agent,
        )
        refresh_token = _new_refresh_token(session)
        User.objects.filter(pk=user.pk).update(last_login=now)
        user.last_login = now
        record(
            "session.created",
            actor=Actor.user(user),
            user=user,
            details={"session_id": str(session.pk), "method": method},
        )
    return _issue(session, user, refresh_token, now)


def refresh_session(presented: object) -> IssuedSession:
    """Rotate a refresh token. A rotated token presented again within the reuse interval gets
    the session's current token; after it, the reuse revokes the session."""
    if not isinstance(presented, str) or not presented or len(presented) > 256:
        raise RefreshTokenNotFound()
    now = timezone.now()
    reused = None
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_related("session", "session__user")
            .filter(token_digest=keys.digest_key(presented))
            .first()
        )
        if token is None or not keys.digests_match(token.token_digest, presented):
            raise RefreshTokenNotFound()
        session, user = token.session, token.session.user
        # Security: a user made staff after signing in must not keep an Admin API session (PUT
        # /user could set the password they use at /admin/): the token is answered as unknown.
        if is_protected(user):
            raise RefreshTokenNotFound()
        if _disabled(user):
            # Supabase Auth's answer, before anything else is looked at or consumed
            # (internal/api/token_refresh.go: `if user.IsBanned() { return
            # NewBadRequestError(ErrorCodeUserBanned, "Invalid Refresh Token: User Banned") }`).
            raise RefreshUserBanned()
        if session.revoked_at is not None:
            raise RefreshTokenNotFound()
        # Waits for a concurrent refresh of the same token to commit (row lock), so a second
        # request sees the first one's rotation.
        consumed = RefreshToken.objects.filter(pk=token.pk, used_at=None).update(used_at=now)
        refresh_token = None
        if consumed:
            refresh_token = _new_refresh_token(
                session, parent=token, plaintext=_successor(presented)
            )
        else:
            token.refresh_from_db(fields=["used_at"])
            if _within_reuse_interval(token, now):
                # Upstream's reuse interval (internal/tokens/service.go, RefreshTokenGrant:
                # "likelyConcurrentRefreshes"): the client gets the session's current token.
                refresh_token = _current_successor(session, token, presented)
        if refresh_token is not None:
            AuthSession.objects.filter(pk=session.pk).update(refreshed_at=now)
        else:
            # Security: a rotated token presented again after the interval means it was copied;
            # the session can no longer be trusted, so every token of it stops working.
            AuthSession.objects.filter(pk=session.pk, revoked_at=None).update(revoked_at=now)
            record(
                "session.refresh_token_reused",
                actor=Actor.user(user),
                user=user,
                details={"session_id": str(session.pk)},
            )
            reused = session
    if reused is not None:  # raised after commit: the revocation must stick
        raise RefreshTokenReused()
    return _issue(session, user, refresh_token, now)


def authenticate_access_token(token: str) -> tuple[Any, AuthSession]:
    """The user and live session behind a user's access token (GET/PUT /user, POST /logout)."""
    claims = jwts.decode(token, audience=AUDIENCE)
    session = (
        AuthSession.objects.select_related("user")
        .filter(pk=_uuid_or_none(claims.get("session_id")))
        .first()
    )
    if session is None:
        raise SessionNotFound()
    if str(session.user_id) != str(claims.get("sub")):
        raise InvalidJwt("token subject does not match its session")
    if is_protected(session.user):
        # Security: as for refresh. Upstream's answer for a token whose user no longer exists,
        # which is what a staff member is to the Admin API.
        raise SessionUserGone()
    if _disabled(session.user):
        # Security: an access token is valid for an hour; a user deactivated or banned in that
        # hour must lose access now, not when it expires. Supabase Auth answers this in
        # requireAuthentication (internal/api/auth.go, supabase/auth PR #2642 "reject AT from
        # banned users"): `if user := getUser(ctx); user != nil && user.IsBanned() { return ctx,
        # apierrors.NewForbiddenError(apierrors.ErrorCodeUserBanned, "User is banned") }`, for
        # GET/PUT /user and POST /logout alike. Checked before the session's revocation (which
        # deactivating or banning also causes) so that the client is told why.
        raise SessionUserBanned()
    if session.revoked_at is not None:
        raise SessionNotFound()
    return session.user, session


def _disabled(user: Any) -> bool:
    """Deactivated (is_active false, e.g. soft-deleted) or banned: no access by token."""
    return not user.is_active or user.is_banned


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


LOGOUT_SCOPES = ("global", "local", "others")


def logout(user: Any, session: AuthSession, *, scope: str) -> int:
    """Revoke this session (local), the user's other sessions (others) or all of them (global).

    `scope` is one of LOGOUT_SCOPES (checked at the edge, supabase_api.serializers)."""
    sessions = AuthSession.objects.filter(user=user, revoked_at=None)
    if scope == "local":
        sessions = sessions.filter(pk=session.pk)
    elif scope == "others":
        sessions = sessions.exclude(pk=session.pk)
    return revoke_sessions(user, sessions, reason=f"logout:{scope}")


def revoke_sessions(user: Any, sessions, *, reason: str, actor: Actor | None = None) -> int:
    """Revoke the given sessions of `user` (a queryset); audited. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = [str(pk) for pk in sessions.values_list("pk", flat=True)]
        if not ids:
            return 0
        AuthSession.objects.filter(pk__in=ids).update(revoked_at=now)
        record(
            "session.revoked",
            actor=actor or Actor.user(user),
            user=user,
            details={"session_ids": ids, "reason": reason},
        )
    return len(ids)


def revoke_all_sessions(user: Any, *, reason: str, actor: Actor | None = None) -> int:
    return revoke_sessions(
        user, AuthSession.objects.filter(user=user, revoked_at=None), reason=reason, actor=actor
    )
