"""OpenAPI pieces of the Partner API: the bearer-key scheme, the error envelope, and the error
responses (with examples) each endpoint declares. drf-spectacular reads these from the views'
@extend_schema; nothing here runs per request.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from ..flows.partner_link import MAX_EXPIRY_HOURS


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.PartnerKeyAuthentication"
    match_subclasses = True  # .authentication.PartnerKeyAndAccountAuthentication
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "15th_<random>",
            "description": "A Partner API key: `Authorization: Bearer 15th_…`.",
        }


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. ACCOUNT_NOT_FOUND.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    details = serializers.DictField(
        required=False,
        help_text="Extra facts: `fields` for VALIDATION_ERROR; `limit`, `window_seconds`, "
        "`reset_at` for 429s.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def _example(name: str, code: str, message: str, details: dict | None = None) -> OpenApiExample:
    body: dict = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return OpenApiExample(name, value={"error": body}, response_only=True)


_LIMIT_DETAILS = {"limit": 100, "window_seconds": 60, "reset_at": "2026-01-15T10:31:00Z"}
EXAMPLES: dict[str, OpenApiExample] = {
    "VALIDATION_ERROR": _example(
        "Validation error",
        "VALIDATION_ERROR",
        "The request is invalid.",
        {
            "fields": {
                "expiry_hours": [f"Ensure this value is less than or equal to {MAX_EXPIRY_HOURS}."]
            }
        },
    ),
    "INVALID_JSON": _example(
        "Invalid JSON", "INVALID_JSON", "The request body must be a JSON object."
    ),
    "INVALID_API_KEY": _example(
        "Invalid key", "INVALID_API_KEY", "The API key is missing, malformed, unknown or revoked."
    ),
    "EXPIRED_API_KEY": _example("Expired key", "EXPIRED_API_KEY", "The API key has expired."),
    "INSUFFICIENT_PERMISSIONS": _example(
        "Missing scope", "INSUFFICIENT_PERMISSIONS", "This API key lacks the scope links:write."
    ),
    "ACCOUNT_SUSPENDED": _example(
        "Suspended",
        "ACCOUNT_SUSPENDED",
        "This account is suspended; login links cannot be generated for it.",
    ),
    "USER_NOT_ELIGIBLE": _example(
        "Staff member",
        "USER_NOT_ELIGIBLE",
        "Login links cannot be generated for this user.",
    ),
    "ACCOUNT_NOT_FOUND": _example("No account", "ACCOUNT_NOT_FOUND", "Account not found."),
    "USER_NOT_FOUND": _example(
        "No such user", "USER_NOT_FOUND", "No user with this email address is on the account."
    ),
    "LINK_NOT_FOUND": _example("No such link", "LINK_NOT_FOUND", "Login link not found."),
    "ACCOUNT_EXISTS": _example(
        "Duplicate account",
        "ACCOUNT_EXISTS",
        "This partner already has an account whose primary user has this email address.",
    ),
    "USER_EXISTS": _example(
        "Duplicate user", "USER_EXISTS", "A user with this email address is already on the account."
    ),
    "EMAIL_IN_USE": _example(
        "Email of someone else",
        "EMAIL_IN_USE",
        "This email address belongs to a person outside this partner's accounts and cannot be "
        "added by the Partner API.",
    ),
    "WEBHOOK_NOT_FOUND": _example(
        "No such webhook", "WEBHOOK_NOT_FOUND", "Webhook endpoint not found."
    ),
    "IDEMPOTENCY_KEY_REUSED": _example(
        "Key reused",
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used with a different request.",
    ),
    "IDEMPOTENCY_KEY_IN_PROGRESS": _example(
        "Key in use",
        "IDEMPOTENCY_KEY_IN_PROGRESS",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
    ),
    "LINK_NOT_ACTIVE": _example(
        "Not active", "LINK_NOT_ACTIVE", "Only an active login link can be revoked."
    ),
    "UNSUPPORTED_MEDIA_TYPE": _example(
        "Not JSON",
        "UNSUPPORTED_MEDIA_TYPE",
        "Send the request body as JSON with Content-Type: application/json.",
    ),
    "RATE_LIMIT_EXCEEDED": _example(
        "Per-key limit",
        "RATE_LIMIT_EXCEEDED",
        "Rate limit exceeded. Please retry after 60 seconds.",
        _LIMIT_DETAILS,
    ),
    "LOGIN_LINK_LIMIT_EXCEEDED": _example(
        "Per-account link limit",
        "LOGIN_LINK_LIMIT_EXCEEDED",
        "Too many login links for this account. Please retry after 1800 seconds.",
        {"limit": 10, "window_seconds": 3600, "reset_at": "2026-01-15T11:00:00Z"},
    ),
    "SERVICE_UNAVAILABLE": _example(
        "Dependency down",
        "SERVICE_UNAVAILABLE",
        "The service is temporarily unavailable. Please retry shortly.",
    ),
    "INTERNAL_ERROR": _example(
        "Unexpected", "INTERNAL_ERROR", "An unexpected error occurred. It has been logged."
    ),
}

_STATUS_TEXT = {
    400: "Invalid JSON or a field is wrong (`details.fields` maps each field to its messages).",
    401: "Authorization header missing or malformed; key unknown, revoked or expired.",
    403: "The key lacks the scope for this call, or the account is suspended.",
    404: "No such account for this partner (another partner's account is also 404), user or link.",
    409: "Conflict with existing data, or a request with the same Idempotency-Key is running.",
    422: "The Idempotency-Key was used before with a different request.",
    415: "A request body that is not declared as application/json.",
    429: "A rate limit was hit; `Retry-After` says when to retry.",
    500: "Unexpected error (JSON, never a traceback).",
    503: "The database or the rate-limit store is unreachable; `Retry-After` is set.",
}
_DEFAULT_CODES = {
    401: ["INVALID_API_KEY", "EXPIRED_API_KEY"],
    403: ["INSUFFICIENT_PERMISSIONS"],
    429: ["RATE_LIMIT_EXCEEDED"],
    500: ["INTERNAL_ERROR"],
    503: ["SERVICE_UNAVAILABLE"],
}


def error_responses(**codes_by_status: list[str]) -> dict[int, OpenApiResponse]:
    """Error responses for an authenticated endpoint: 401/403/429/500/503 always, plus the given
    ones, e.g. error_responses(e404=["ACCOUNT_NOT_FOUND"])."""
    by_status = {status: list(codes) for status, codes in _DEFAULT_CODES.items()}
    for key, codes in codes_by_status.items():
        status = int(key.removeprefix("e"))
        by_status[status] = by_status.get(status, []) + list(codes)
    return {
        status: OpenApiResponse(
            response=ErrorSerializer,
            description=_STATUS_TEXT[status],
            examples=[EXAMPLES[code] for code in codes],
        )
        for status, codes in sorted(by_status.items())
    }


BODY_ERRORS = {"e400": ["INVALID_JSON", "VALIDATION_ERROR"], "e415": ["UNSUPPORTED_MEDIA_TYPE"]}


def forbid_unknown_body_keys(result: dict, generator, request, public) -> dict:
    """Request bodies refuse unknown keys (VALIDATION_ERROR): say so in the schema, so clients
    and fuzzers know (drf-spectacular leaves additionalProperties open)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Optional, any unique string (e.g. a UUID). A retry with the same key and "
    "the same request within 24 hours gets the first response again (header "
    "`Idempotent-Replayed: true`) and changes nothing; the same key with another request is "
    "422 IDEMPOTENCY_KEY_REUSED; while the first is still running, 409 "
    "IDEMPOTENCY_KEY_IN_PROGRESS.",
}
_IDEMPOTENCY_ERRORS = {"409": "IDEMPOTENCY_KEY_IN_PROGRESS", "422": "IDEMPOTENCY_KEY_REUSED"}


def document_idempotency(result: dict, generator, request, public) -> dict:
    """Every POST takes an Idempotency-Key (PartnerApiView): the header and its two errors."""
    for item in result.get("paths", {}).values():
        operation = item.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
        for status, code in _IDEMPOTENCY_ERRORS.items():
            response = operation["responses"].setdefault(
                status,
                {
                    "description": _STATUS_TEXT[int(status)],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            )
            content = response["content"]["application/json"]
            example = EXAMPLES[code]
            content.setdefault("examples", {})[example.name.replace(" ", "")] = {
                "value": example.value,
                "summary": example.name,
            }
    return result


# Per-view settings of the schema endpoint (the global SPECTACULAR_SETTINGS stay shared).
SCHEMA_SETTINGS = {
    "TITLE": "Linkgate Partner API",
    "VERSION": "v1beta",
    "DESCRIPTION": "Create client accounts and generate secure, single-use login links. "
    'Every error is `{"error": {"code", "message", "details"}}`. See docs/partner-api.md.',
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "magiclinks.partner_api.schema.forbid_unknown_body_keys",
        "magiclinks.partner_api.schema.document_idempotency",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AccountStatusEnum": ["onboarding", "active", "suspended"],
        "LinkStatusEnum": ["active", "used", "expired", "invalidated", "revoked"],
        "MembershipRoleEnum": ["primary", "spouse", "additional"],
        "AddableRoleEnum": ["spouse", "additional"],
        "MemberStatusEnum": ["invited", "active"],
        "HealthStatusEnum": ["ok", "degraded"],
        "WebhookDeliveryStatusEnum": ["pending", "delivered", "failed"],
    },
}
