"""Password policy of the Admin API: Django's validators, refused as Supabase's `weak_password`
with the reasons the clients read (`weak_password.reasons`: length, characters, pwned).

Whether a value is a string at all is the serializers' business; this is the policy, which
needs the user (the similarity validator compares with their address)."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from .flows.errors import WeakPassword

# Django validator codes → Supabase's reason names (length, characters, pwned).
_REASONS = {
    "password_too_short": "length",
    "password_too_common": "pwned",
    "password_entirely_numeric": "characters",
    "password_too_similar": "characters",
}
MAX_PASSWORD_LENGTH = 1024  # hashing very long inputs is a denial-of-service lever


def check_password(password: str, user: Any = None) -> str:
    """The password if it passes every validator; WeakPassword otherwise."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword("Password is too long", ["length"])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        reasons = sorted({_REASONS.get(error.code, "characters") for error in exc.error_list})
        raise WeakPassword(" ".join(str(message) for message in exc.messages), reasons) from None
    return password
