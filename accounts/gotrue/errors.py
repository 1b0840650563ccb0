"""Supabase Auth error bodies, in the format the client's API version asks for.

With `X-Supabase-Api-Version` ≥ 2024-01-01: {"code": "<error_code>", "message": ...} and the
header echoed back; otherwise the legacy {"code": <status>, "error_code", "msg"}. Both carry the
`x-sb-error-code` header.

Services raise `GoTrueError`; `exception_handler` (the Admin API views' DRF handler) turns it, and
DRF's own exceptions and rate-limit refusals, into that body. An unreachable dependency is left to
config.middleware.FaultBarrierMiddleware, which answers 503 `service_unavailable` in this format.
"""

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions

from accounts.limits import RateLimitExceeded

API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024 = "2024-01-01"


class GoTrueError(Exception):
    """A refusal with its HTTP status, Supabase error code and a message safe to show."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        extra: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}


def validation_failed(message: str) -> GoTrueError:
    return GoTrueError(400, "validation_failed", message)


def wants_2024_format(request: HttpRequest) -> bool:
    version = request.headers.get(API_VERSION_HEADER, "")
    return len(version) == 10 and version >= API_VERSION_2024


def error_response(
    request: HttpRequest,
    status: int,
    error_code: str,
    message: str,
    *,
    extra: dict | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    if wants_2024_format(request):
        body = {"code": error_code, "message": message}
        out_headers = {API_VERSION_HEADER: request.headers[API_VERSION_HEADER]}
    else:
        body = {"code": status, "error_code": error_code, "msg": message}
        out_headers = {}
    body.update(extra or {})
    out_headers.update(headers or {})
    out_headers["x-sb-error-code"] = error_code
    return JsonResponse(body, status=status, headers=out_headers)


def from_exception(request: HttpRequest, exc: GoTrueError) -> JsonResponse:
    return error_response(
        request, exc.status, exc.error_code, exc.message, extra=exc.extra, headers=exc.headers
    )


def rate_limited(
    exc: RateLimitExceeded, error_code: str = "over_request_rate_limit"
) -> GoTrueError:
    message = (
        f"Rate limit {exc.name} exceeded ({exc.limit} per {exc.window_seconds} s); "
        f"retry after {exc.retry_after} s."
    )
    return GoTrueError(429, error_code, message, headers={"Retry-After": str(exc.retry_after)})


_DRF_CODES = {
    drf_exceptions.ParseError: (400, "bad_json", "Could not parse request body as JSON."),
    drf_exceptions.UnsupportedMediaType: (
        415,
        "validation_failed",
        "Unsupported Content-Type: send application/json.",
    ),
    drf_exceptions.NotFound: (404, "not_found", "No such endpoint."),
    drf_exceptions.MethodNotAllowed: (405, "method_not_allowed", "Method not allowed."),
    drf_exceptions.NotAcceptable: (406, "not_acceptable", "Only application/json is served."),
}


def exception_handler(exc: Exception, context: dict):
    """DRF exception handler for the Admin API views (set on their base class)."""
    request = context["request"]
    if isinstance(exc, GoTrueError):
        return from_exception(request, exc)
    if isinstance(exc, RateLimitExceeded):
        return from_exception(request, rate_limited(exc))
    for exc_type, (status, code, message) in _DRF_CODES.items():
        if isinstance(exc, exc_type):
            return error_response(request, status, code, message)
    if isinstance(exc, drf_exceptions.APIException):
        return error_response(request, exc.status_code, "unexpected_failure", str(exc.detail))
    # Anything else (an unreachable database or limit store included) propagates to
    # config.middleware.FaultBarrierMiddleware / config.errors.server_error, which answer 503 or
    # 500 as JSON in this format: never a traceback.
    return None
