"""OpenAPI documentation pieces of the Admin API: security schemes, error responses, and the
shapes of the responses.

The serializers here describe what the views return (built by supabase_api.representations);
they are never used to validate input (the request bodies are documented by the serializers that
validate them, supabase_api.serializers). Fields GoTrue leaves out when unset are not required.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

BEARER = [{"bearerAuth": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A service key (lgsk_…) or an HS256 JWT whose role is service_role.",
    }
}
USER_BEARER_SCHEMES = {
    "userBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The user's access token from /verify or /token.",
    }
}
USER_BEARER = [{"userBearer": []}]

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "With X-Supabase-Api-Version ≥ 2024-01-01: {code: <error_code>, message}; otherwise "
        "{code: <status>, error_code, msg}. The x-sb-error-code header names the code."
    ),
    "properties": {
        "code": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "message": {"type": "string"},
        "error_code": {"type": "string"},
        "msg": {"type": "string"},
        "weak_password": {
            "type": "object",
            "properties": {"reasons": {"type": "array", "items": {"type": "string"}}},
        },
    },
    "required": ["code"],
}

_DESCRIPTIONS = {
    400: "Invalid request (validation_failed, bad_json).",
    401: "No bearer token (no_authorization).",
    403: "Bad token or not allowed (bad_jwt, not_admin, otp_expired, session_not_found…).",
    404: "Not found (user_not_found).",
    405: "Method not allowed.",
    413: "Request body too large.",
    415: "The body is not JSON.",
    422: "Refused (email_exists, weak_password).",
    429: "Rate limited; Retry-After says when to retry.",
    503: "A dependency is unavailable (service_unavailable).",
}
_ALWAYS = (405, 413, 503)


def error_responses(*statuses: int) -> dict:
    """The documented error responses of an operation (plus those any operation can give)."""
    return {
        status: OpenApiResponse(ERROR_SCHEMA, description=_DESCRIPTIONS[status])
        for status in sorted({*statuses, *_ALWAYS})
    }


def with_body_errors(*statuses: int) -> dict:
    """Errors of an operation that reads a JSON body (415 for other content types)."""
    return error_responses(400, 415, *statuses)


LIST_HEADERS = [
    OpenApiParameter(
        "x-total-count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[200],
        description="Number of users in all pages.",
    ),
    OpenApiParameter(
        "link",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description='Pagination links: rel="next" (when there is one) and rel="last".',
    ),
]


class IdentitySerializer(serializers.Serializer):
    identity_id = serializers.UUIDField()
    id = serializers.CharField()
    user_id = serializers.UUIDField()
    identity_data = serializers.DictField()
    provider = serializers.CharField()
    email = serializers.EmailField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_sign_in_at = serializers.DateTimeField(required=False)


class UserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    aud = serializers.CharField()
    role = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField(allow_blank=True)
    email_confirmed_at = serializers.DateTimeField(required=False)
    confirmed_at = serializers.DateTimeField(required=False)
    confirmation_sent_at = serializers.DateTimeField(required=False)
    recovery_sent_at = serializers.DateTimeField(required=False)
    new_email = serializers.EmailField(required=False)
    email_change_sent_at = serializers.DateTimeField(required=False)
    invited_at = serializers.DateTimeField(required=False)
    last_sign_in_at = serializers.DateTimeField(required=False)
    banned_until = serializers.DateTimeField(required=False)
    app_metadata = serializers.DictField()
    user_metadata = serializers.DictField()
    identities = IdentitySerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    is_anonymous = serializers.BooleanField()


class UserListSerializer(serializers.Serializer):
    aud = serializers.CharField()
    users = UserSerializer(many=True)


class SessionSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField()
    expires_at = serializers.IntegerField()
    refresh_token = serializers.CharField()
    user = UserSerializer()


EMPTY = OpenApiResponse({"type": "object", "maxProperties": 0}, description="{}")
