"""Parsing an email address the way Supabase Auth's `validateEmail` does: required, at most 255
characters, syntactically valid, and lower-cased (addresses are compared case-insensitively)."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .errors import validation_failed

MAX_EMAIL_LENGTH = 255


def parse_email(value: object, *, field: str = "email") -> str:
    """The normalised address, or a 400 `validation_failed` saying what is wrong."""
    if value is None or value == "":
        raise validation_failed(
            f"An {field} address is required" if field == "email" else f"{field} is required"
        )
    if not isinstance(value, str):
        raise validation_failed(f"{field} must be a string")
    address = value.strip()
    if len(address) > MAX_EMAIL_LENGTH:
        raise validation_failed(f"{field} is too long (at most {MAX_EMAIL_LENGTH} characters)")
    try:
        validate_email(address)
    except ValidationError:
        raise validation_failed(f"Unable to validate {field} address: invalid format") from None
    return address.lower()
