"""Serializer fields that read a JSON body the way Supabase Auth (GoTrue) does.

Lenient where upstream is lenient (null means "not given", unknown keys are ignored), strict
where it is strict, and each refusal worded as GoTrue words it, with the field's name as the
client sent it (`name`, which may differ from the attribute: PUT /user's `email` is reported as
`new_email`, as upstream does). Values are checked only for their form here; what needs the
database (an address already taken, a password's strength against the user) is the flows'.
"""

import re
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from drf_spectacular.drainage import set_override
from rest_framework import serializers
from rest_framework.fields import SkipField, empty

from . import redirects

MAX_EMAIL_LENGTH = 255
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
MAX_BAN = timedelta(days=365 * 100)
# ban_duration "none" lifts a ban; any other value is a Go duration.
UNBAN = "none"


class GoTrueField(serializers.Field):
    """Optional and nullable unless told otherwise; `name` is the field's name in messages.

    `schema` is the field's OpenAPI schema (drf-spectacular cannot infer one for a custom field);
    it is kept with the constructor's arguments, which DRF replays when it copies a field."""

    schema: dict = {}

    def __init__(self, *, name: str | None = None, schema: dict | None = None, **kwargs) -> None:
        kwargs.setdefault("required", False)
        # In the schema, a required field is not nullable (null is refused like a missing value).
        kwargs.setdefault("allow_null", not kwargs["required"])
        self.name = name
        super().__init__(**kwargs)
        field_schema = dict(self.schema if schema is None else schema)
        if self.allow_null and field_schema:
            field_schema["nullable"] = True
        set_override(self, "field", field_schema)

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        self.name = self.name or field_name

    def validate_empty_values(self, data):
        # Absent: not given (SkipField); null: "not given" too, passed on as None. Whether a
        # missing value is an error is the serializer's `validate()` decision, in GoTrue's words
        # (`required` only marks the field as required in the OpenAPI schema).
        if data is empty:
            raise SkipField()
        if data is None:
            return True, None
        return False, data

    def refuse(self, message: str):
        raise serializers.ValidationError(message)

    def to_representation(self, value):
        return value


class EmailAddress(GoTrueField):
    """Supabase Auth's `validateEmail`: required, at most 255 characters, syntactically valid,
    and lower-cased (addresses are compared case-insensitively). With `required=False`, a missing
    or null value means "not given"; an empty string is still refused as missing."""

    schema = {"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", True)
        super().__init__(**kwargs)

    def _missing(self):
        name = self.name
        self.refuse(f"An {name} address is required" if name == "email" else f"{name} is required")

    def validate_empty_values(self, data):
        if data is empty or data is None:
            if self.required:
                self._missing()
            raise SkipField()
        return False, data

    def to_internal_value(self, data) -> str:
        if data == "":
            self._missing()
        if not isinstance(data, str):
            self.refuse(f"{self.name} must be a string")
        address = data.strip()
        if len(address) > MAX_EMAIL_LENGTH:
            self.refuse(f"{self.name} is too long (at most {MAX_EMAIL_LENGTH} characters)")
        try:
            validate_email(address)
        except DjangoValidationError:
            self.refuse(f"Unable to validate {self.name} address: invalid format")
        return address.lower()


class Text(GoTrueField):
    """Any string (passwords: their strength is the flows' business)."""

    schema = {"type": "string", "maxLength": 1024}

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.refuse(f"{self.name} must be a string")
        return data


class Flag(GoTrueField):
    """true or false; null means "not given"."""

    schema = {"type": "boolean"}

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.refuse(f"{self.name} must be true or false")
        return data


class JsonObject(GoTrueField):
    """A JSON object (metadata); null means "not given"."""

    schema = {"type": "object", "additionalProperties": {}}

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            self.refuse(f"{self.name} must be a JSON object")
        return data


class Raw(GoTrueField):
    """Passed on as sent: the flow's own lookup refuses what does not match (e.g. a token)."""

    schema = {"type": "string"}

    def to_internal_value(self, data):
        return data


class Choice(GoTrueField):
    """One of `choices`; anything else, missing included, gets `message` (formatted with the
    value sent, at most 40 characters of it, and the choices)."""

    def __init__(self, choices, *, message: str, **kwargs) -> None:
        self.choices = tuple(choices)
        self.message = message
        kwargs.setdefault("schema", {"type": "string", "enum": list(self.choices)})
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        return False, None if data is empty else data

    def to_internal_value(self, data) -> str:
        if data not in self.choices:
            self.refuse(self.message.format(value=str(data)[:40], choices=", ".join(self.choices)))
        return data


class Seconds(GoTrueField):
    """An integer number of seconds between `minimum` and `maximum` (JSON numbers only)."""

    def __init__(self, *, minimum: int, maximum: int, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        kwargs.setdefault("schema", {"type": "integer", "minimum": minimum, "maximum": maximum})
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> timedelta:
        if isinstance(data, bool) or not isinstance(data, int):
            self.refuse(f"{self.name} must be an integer number of seconds")
        if not self.minimum <= data <= self.maximum:
            self.refuse(f"{self.name} must be between {self.minimum} and {self.maximum} seconds")
        return timedelta(seconds=data)


class Uuid(GoTrueField):
    schema = {"type": "string", "format": "uuid"}

    def to_internal_value(self, data) -> uuid.UUID:
        try:
            return uuid.UUID(str(data))
        except ValueError:
            self.refuse(f"{self.name} must be an UUID")


class GoDuration(GoTrueField):
    """GoTrue's ban_duration: "none" (lift the ban) or a Go duration ("24h", "1h30m", "90s")."""

    schema = {"type": "string"}

    def to_internal_value(self, data) -> timedelta | str:
        if data == UNBAN:
            return UNBAN
        if not isinstance(data, str) or not data or _GO_DURATION.sub("", data) != "":
            self.refuse(f'{self.name} must be "none" or a duration such as "24h" or "1h30m"')
        seconds = sum(float(n) * _GO_UNITS[unit] for n, unit in _GO_DURATION.findall(data))
        if seconds > MAX_BAN.total_seconds():
            self.refuse(f"{self.name} is longer than 100 years")
        return timedelta(seconds=seconds)


class RedirectTo(GoTrueField):
    """`redirect_to`, checked against SITE_URL and REDIRECT_ALLOW_LIST (supabase_api.redirects);
    absent or empty means SITE_URL."""

    schema = {"type": "string"}

    def validate_empty_values(self, data):
        return False, None if data is empty else data

    def to_internal_value(self, data) -> str:
        try:
            return redirects.validate_redirect(data)
        except redirects.NotAllowed as exc:
            self.refuse(str(exc))
