"""The Partner API's error envelope: {"error": {"code", "message", "details"}}.

`exception_handler` turns every exception a Partner API view raises into that envelope: DRF's
own (parse, validation, auth, 404, 405, 415…), the flows' typed refusals, rate limits, an
unreachable database or limit store (503) and anything unexpected (500, logged, no traceback to
the client). It is installed per view (PartnerApiView), not globally, because the Admin API
speaks Supabase's error format.
"""

import logging

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.http_errors import RETRY_AFTER_SECONDS, UNAVAILABLE, Failure, HttpFailure
from magiclinks.flows import errors as flow_errors
from magiclinks.flows.partner_link import ACCOUNT_LINK_LIMIT
from ratelimits.counting import RateLimitExceeded

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body: dict = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status, headers=headers)


class ApiError(exceptions.APIException):
    """An error with an explicit contract code (raised by views for 404s and the like)."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code, self.error_code, self.message, self.details = (
            status,
            code,
            message,
            details,
        )


def account_not_found() -> ApiError:
    # Tenancy: the same body whether the account is missing or another partner's.
    return ApiError(404, "ACCOUNT_NOT_FOUND", "Account not found.")


def invalid_json(message: str = "The request body must be a JSON object.") -> ApiError:
    return ApiError(400, "INVALID_JSON", message)


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field" or "parent.field": [messages]}."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            if name == "non_field_errors":  # errors of the object itself
                fields.update(flatten_field_errors(value, prefix or "body"))
                continue
            fields.update(flatten_field_errors(value, f"{prefix}.{name}" if prefix else name))
        return fields
    if isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        return {prefix or "body": [str(d) for d in detail]}
    if isinstance(detail, list):
        fields = {}
        for index, item in enumerate(detail):
            fields.update(
                flatten_field_errors(item, f"{prefix}[{index}]" if prefix else str(index))
            )
        return fields
    return {prefix or "body": [str(detail)]}


# The one table from the flows' typed refusals to the contract: (status, code, field). With a
# field, the refusal is a VALIDATION_ERROR about that field, reported like a serializer's.
FLOW_ERRORS: dict[type[flow_errors.FlowError], tuple[int, str, str | None]] = {
    flow_errors.AccountSuspended: (403, "ACCOUNT_SUSPENDED", None),
    flow_errors.UserNotEligible: (403, "USER_NOT_ELIGIBLE", None),
    flow_errors.UserNotOnAccount: (404, "USER_NOT_FOUND", None),
    flow_errors.PrimaryUserMissing: (404, "USER_NOT_FOUND", None),
    flow_errors.AccountExists: (409, "ACCOUNT_EXISTS", None),
    flow_errors.UserExists: (409, "USER_EXISTS", None),
    flow_errors.EmailInUse: (409, "EMAIL_IN_USE", None),
    flow_errors.InvalidRedirect: (400, "VALIDATION_ERROR", "redirect_url"),
}
_DRF_CODES: list[tuple[type[Exception], str]] = [
    (exceptions.ParseError, "INVALID_JSON"),
    (exceptions.NotAuthenticated, "INVALID_API_KEY"),
    (exceptions.NotFound, "NOT_FOUND"),
    (exceptions.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (exceptions.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (exceptions.NotAcceptable, "NOT_ACCEPTABLE"),
    (exceptions.Throttled, "RATE_LIMIT_EXCEEDED"),
    (exceptions.PermissionDenied, "INSUFFICIENT_PERMISSIONS"),
]


def _response(status: int, code: str, message: str, details=None, headers=None) -> Response:
    return Response(error_body(code, message, details), status=status, headers=headers)


def _flow_error(exc: flow_errors.FlowError) -> Response | None:
    mapped = next((FLOW_ERRORS[cls] for cls in type(exc).__mro__ if cls in FLOW_ERRORS), None)
    if mapped is None:
        return None  # a refusal no Partner API flow raises: a bug, answered as 500 below
    status, code, field = mapped
    if field is not None:
        details = {"fields": {field: [exc.message]}}
        return _response(status, code, "The request is invalid.", details)
    return _response(status, code, exc.message)


def _rate_limited(exc: RateLimitExceeded) -> Response:
    retry = exc.retry_after
    if exc.name == ACCOUNT_LINK_LIMIT:
        code = "LOGIN_LINK_LIMIT_EXCEEDED"
        message = f"Too many login links for this account. Please retry after {retry} seconds."
    else:
        code, message = (
            "RATE_LIMIT_EXCEEDED",
            f"Rate limit exceeded. Please retry after {retry} seconds.",
        )
    return _response(429, code, message, exc.details(), {"Retry-After": str(retry)})


def _drf_error(exc: exceptions.APIException) -> Response:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, ApiError):
        return _response(exc.status_code, exc.error_code, exc.message, exc.details, headers)
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        return _response(400, "VALIDATION_ERROR", "The request is invalid.", {"fields": fields})
    if isinstance(exc, exceptions.AuthenticationFailed):
        codes = exc.get_codes()
        code = codes if codes in {"INVALID_API_KEY", "EXPIRED_API_KEY"} else "INVALID_API_KEY"
        return _response(401, code, str(exc.detail), None, headers)
    if isinstance(exc, exceptions.NotAuthenticated):
        message = "The Authorization header is missing. Send: Authorization: Bearer 15th_…"
        return _response(401, "INVALID_API_KEY", message, None, headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        allowed = getattr(exc, "allowed", None)
        if allowed:
            headers["Allow"] = allowed
    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "ERROR")
    message = (
        str(exc.detail)
        if not isinstance(exc, exceptions.ParseError)
        else ("The request body is not valid JSON.")
    )
    return _response(exc.status_code, code, message, None, headers)


def exception_handler(exc: Exception, context: dict) -> Response:
    """Every failure of a Partner API view → the envelope. Rolls back any open atomic block."""
    set_rollback()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource.")
    if isinstance(exc, exceptions.APIException):
        return _drf_error(exc)
    if isinstance(exc, RateLimitExceeded):
        return _rate_limited(exc)
    if isinstance(exc, flow_errors.FlowError):
        response = _flow_error(exc)
        if response is not None:
            return response
    if isinstance(exc, UNAVAILABLE):
        # Fail closed and say so: a dependency is down, the client may retry shortly.
        logger.warning("partner API dependency unavailable: %s", type(exc).__name__)
        return _response(
            503,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable. Please retry shortly.",
            None,
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    # Logged with its traceback for operators; the client gets the envelope only.
    logger.exception("unhandled error in the Partner API")
    return _response(500, "INTERNAL_ERROR", "An unexpected error occurred. It has been logged.")


# config.http_errors' failures (404, 405, 413, 500 and 503 outside the views) in the envelope.
_HTTP_FAILURES: dict[Failure, tuple[str, str | None]] = {
    Failure.NOT_FOUND: ("NOT_FOUND", None),
    Failure.METHOD_NOT_ALLOWED: ("METHOD_NOT_ALLOWED", None),
    Failure.PAYLOAD_TOO_LARGE: ("PAYLOAD_TOO_LARGE", None),
    Failure.SERVER_ERROR: ("INTERNAL_ERROR", "An unexpected error occurred. It has been logged."),
    Failure.SERVICE_UNAVAILABLE: ("SERVICE_UNAVAILABLE", None),
}


def render_http_failure(request: HttpRequest, failure: HttpFailure) -> JsonResponse:
    """The Partner API's renderer for config.http_errors (registered by magiclinks.apps)."""
    code, message = _HTTP_FAILURES[failure.kind]
    return error_response(
        failure.status, code, message or failure.message, failure.details, failure.headers
    )


@csrf_exempt  # an API 404 must not turn into Django's HTML CSRF page for POSTs
def not_found_view(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Catch-all under /v1beta: JSON 404 for unknown paths, even with DEBUG on."""
    return error_response(404, "NOT_FOUND", "No such endpoint.")
