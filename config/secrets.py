"""Refuse to start without real secrets when DEBUG is off.

Security: SECRET_KEY signs the session data and the messages cookie, keys the session auth hash,
and derives the OTP MAC and outbox keys (CSRF tokens are random and do not depend on it);
JWT_SECRET signs access tokens and verifies `service_role` JWTs. The development default is
printed in this repository, so a production process running on it accepts a `service_role` JWT
that anybody can mint. `check --deploy` flags that, but nothing runs it; raising at settings load
stops every entry point (gunicorn, manage.py, celery) before it serves anything.

SECRET_KEY follows Django's own deploy check (security.W009): at least 50 characters, at least 5
different ones, no `django-insecure-` prefix. JWT_SECRET needs at least 32 characters (HS256's
key size, and what Supabase requires of GOTRUE_JWT_SECRET), 5 different ones too, and must differ
from SECRET_KEY: JWT_SECRET is shared with other services that verify tokens, which must never
hold the key of our sessions. Every SECRET_KEY_FALLBACKS entry follows the SECRET_KEY rules and
differs from JWT_SECRET too: Django accepts what a fallback signed, so the development key as a
"previous" key would let anybody sign for us again. Messages name the variable and the rule,
never the value.
"""

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

JWT_SECRET_MIN_LENGTH = 32
HINT = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def _problem(name: str, value: str, development_default: str, min_length: int) -> str | None:
    if not value:
        return f"{name} is not set"
    if value == development_default:
        return f"{name} is the development default from the repository"
    if value.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"{name} starts with {SECRET_KEY_INSECURE_PREFIX!r} (a development key)"
    if len(value) < min_length:
        return f"{name} must be at least {min_length} characters long"
    if len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"{name} must contain at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
        )
    return None


def require_production_secrets(
    secret_key: str,
    jwt_secret: str,
    development_default: str,
    *,
    fallbacks: list[str] | tuple[str, ...] = (),
) -> None:
    """Raise ImproperlyConfigured naming the first problem with the secrets (DEBUG off)."""
    problem = _problem("SECRET_KEY", secret_key, development_default, SECRET_KEY_MIN_LENGTH)
    problem = problem or _problem(
        "JWT_SECRET", jwt_secret, development_default, JWT_SECRET_MIN_LENGTH
    )
    if problem is None and jwt_secret == secret_key:
        problem = "JWT_SECRET must differ from SECRET_KEY"
    for index, fallback in enumerate(fallbacks):
        name = f"SECRET_KEY_FALLBACKS[{index}]"
        problem = problem or _problem(name, fallback, development_default, SECRET_KEY_MIN_LENGTH)
        if problem is None and fallback == jwt_secret:
            problem = f"{name} must differ from JWT_SECRET"
    if problem is not None:
        raise ImproperlyConfigured(
            f"{problem}. With DEBUG off (production) Linkgate does not start without its own "
            f"SECRET_KEY and JWT_SECRET (docs/configuration.md). {HINT}"
        )
