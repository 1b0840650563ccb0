"""A session as Supabase Auth returns it from /verify and /token."""

from .sessions import IssuedSession
from .user_json import user_json


def session_json(issued: IssuedSession) -> dict:
    return {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "expires_at": issued.expires_at,
        "refresh_token": issued.refresh_token,
        "user": user_json(issued.user),
    }
