"""HS256 JWTs signed with JWT_SECRET: the user's access token, and service_role tokens.

PyJWT does the signing and checking; the algorithm list is pinned to HS256 so a token cannot pick
its own algorithm ("none", or a public-key algorithm keyed with the secret).
"""

from datetime import datetime
from typing import Any

import jwt
from django.conf import settings

from .flows.errors import InvalidJwt
from .representations import AUDIENCE, app_metadata, role

ALGORITHM = "HS256"


def issuer() -> str:
    """`iss`: the Admin API's base URL, as Supabase Auth's (its API_EXTERNAL_URL)."""
    return f"{settings.PUBLIC_BASE_URL}/auth/v1"


def encode_access_token(
    user: Any, *, session_id: str, method: str, now: datetime
) -> tuple[str, int]:
    """The access token for `user` in session `session_id`, and its expiry (Unix seconds)."""
    iat = int(now.timestamp())
    exp = iat + settings.JWT_EXPIRY_SECONDS
    claims = {
        "iss": issuer(),
        "sub": str(user.pk),
        "aud": AUDIENCE,
        "exp": exp,
        "iat": iat,
        "email": user.email,
        "phone": "",
        "app_metadata": app_metadata(user),
        "user_metadata": user.user_metadata or {},
        "role": role(user),  # an admin-set role, as upstream (`Role: user.Role`)
        "aal": "aal1",
        "amr": [{"method": method, "timestamp": iat}],
        "session_id": session_id,
        "is_anonymous": False,
    }
    return jwt.encode(claims, settings.JWT_SECRET, algorithm=ALGORITHM), exp


def decode(token: str, *, audience: str | None) -> dict:
    """Verified claims of `token`; InvalidJwt when the signature, expiry or audience fail.

    Service-role keys minted for Supabase carry no audience, so `audience=None` skips that check
    (only for the admin role check, which then looks at `role`)."""
    options = {"verify_aud": audience is not None, "require": ["exp"] if audience else []}
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET,
            algorithms=[ALGORITHM],
            audience=audience,
            options=options,
        )
    except jwt.ExpiredSignatureError:
        raise InvalidJwt("token has expired") from None
    except jwt.InvalidTokenError:
        # The library's message is not echoed: it can quote parts of the token.
        raise InvalidJwt("token is malformed or its signature is invalid") from None
    if not isinstance(claims, dict):
        raise InvalidJwt("token is malformed")
    return claims
