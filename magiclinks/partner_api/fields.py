"""Strict JSON fields and a serializer that refuses unknown keys.

DRF's defaults coerce ("48" → 48, "yes" → True, 48 → "48"); a partner's bug would then pass
silently, so request bodies take JSON types as they are. Strings refuse NUL (DRF already),
lone surrogates (PostgreSQL cannot store them) and control characters except tab and newline.
"""

from django.core.validators import RegexValidator
from rest_framework import serializers

from config.serializers import CheaplyCopiedFields


def _check_text(field: serializers.Field, data: object) -> None:
    if not isinstance(data, str):
        field.fail("invalid")
    try:
        data.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("Contains invalid characters.") from None


# As validators (not ad-hoc checks) so that drf-spectacular publishes them as `pattern` and
# clients and fuzzers know the rule. The escapes mean the same in Python and ECMA regexes.
NO_CONTROLS = RegexValidator(
    r"^[^\x00-\x1f\x7f]*$", "Must not contain control characters (line breaks included)."
)
NO_CONTROLS_MULTILINE = RegexValidator(
    r"^[^\x00-\x08\x0b-\x1f\x7f]*$",
    "Must not contain control characters other than tab and newline.",
)


class StrictCharField(serializers.CharField):
    def __init__(self, *, multiline: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(NO_CONTROLS_MULTILINE if multiline else NO_CONTROLS)

    def to_internal_value(self, data):
        _check_text(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An email address, stored lower-cased (emails compare case-insensitively)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        _check_text(self, data)
        return super().to_internal_value(data).strip().lower()


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictSerializer(CheaplyCopiedFields):
    """Refuses a non-object and any key it does not declare (VALIDATION_ERROR per key)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Must be a JSON object."]}, code="invalid"
            )
        # Unknown keys are reported together with the other field errors, each by name.
        errors = {name: ["Unknown field."] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = {**exc.detail, **errors}
        if errors:
            raise serializers.ValidationError(errors)
        return value
