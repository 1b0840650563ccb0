"""Password checks for the Admin API: Django's validators, answered as Supabase's 422
`weak_password` with the `weak_password.reasons` list the clients read."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from .errors import GoTrueError

# Django validator codes → Supabase's reason names (length, characters, pwned).
_REASONS = {
    "password_too_short": "length",
    "password_too_common": "pwned",
    "password_entirely_numeric": "characters",
    "password_too_similar": "characters",
}
MAX_PASSWORD_LENGTH = 1024  # hashing very long inputs is a denial-of-service lever


def check_password(password: object, user: Any = None) -> str:
    """The password if it passes every validator; 422 weak_password (or 400) otherwise."""
    if not isinstance(password, str):
        raise GoTrueError(400, "validation_failed", "password must be a string")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise GoTrueError(
            422,
            "weak_password",
            "Password is too long",
            extra={"weak_password": {"reasons": ["length"]}},
        )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        reasons = sorted({_REASONS.get(error.code, "characters") for error in exc.error_list})
        message = " ".join(str(message) for message in exc.messages)
        raise GoTrueError(
            422, "weak_password", message, extra={"weak_password": {"reasons": reasons}}
        ) from None
    return password
