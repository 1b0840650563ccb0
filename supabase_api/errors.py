"""Supabase Auth error bodies, in the format the client's API version asks for.

With `X-Supabase-Api-Version` ≥ 2024-01-01: {"code": "<error_code>", "message": ...} and the
header echoed back; otherwise the legacy {"code": <status>, "error_code", "msg"}. Both carry the
`x-sb-error-code` header.

The Admin API's edge: the views raise `GoTrueError` for what only HTTP knows (a missing bearer
token, a malformed body), serializers raise DRF's `ValidationError` (→ 400 `validation_failed`),
and the flows raise the `FlowError` family, mapped here in ONE table (`FLOW_ERRORS`) to the
status and code a client sees. `exception_handler` (the Admin API views' DRF handler) turns all
of them, DRF's own exceptions and rate-limit refusals into that body. An unreachable dependency
is left to config.middleware.FaultBarrierMiddleware, which answers 503 `service_unavailable` in
this format.
"""

from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions

from magiclinks.flows.errors import FlowError
from ratelimits.counting import RateLimitExceeded

from .flows import errors as flow

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


# Each flow refusal → (HTTP status, GoTrue error code); the message is the FlowError's. Looked up
# along the exception's MRO, so a subclass without a row of its own answers as its parent.
FLOW_ERRORS: dict[type[FlowError], tuple[int, str]] = {
    flow.EmailExists: (422, "email_exists"),
    flow.UserNotFound: (404, "user_not_found"),
    flow.SignupNeedsPassword: (400, "validation_failed"),
    flow.WeakPassword: (422, "weak_password"),
    flow.SamePassword: (422, "same_password"),
    flow.SignupDisabled: (422, "signup_disabled"),
    flow.VerifyFailed: (403, "otp_expired"),
    flow.LinkUserBanned: (403, "user_banned"),
    flow.InvalidJwt: (403, "bad_jwt"),
    flow.NotAdmin: (403, "not_admin"),
    flow.RefreshTokenNotFound: (400, "refresh_token_not_found"),
    flow.RefreshTokenReused: (400, "refresh_token_already_used"),
    flow.RefreshUserBanned: (400, "user_banned"),
    flow.SessionNotFound: (403, "session_not_found"),
    flow.SessionUserGone: (403, "user_not_found"),
    flow.SessionUserBanned: (403, "user_banned"),
    # End-user flows (issue 14), with upstream's codes (supabase/auth internal/api/signup.go,
    # token.go, pkce.go, resend.go, reauthenticate.go, user.go).
    flow.UserAlreadyRegistered: (422, "user_already_exists"),
    flow.InvalidCredentials: (400, "invalid_credentials"),
    flow.EmailNotConfirmed: (400, "email_not_confirmed"),
    flow.PasswordUserBanned: (400, "user_banned"),
    flow.FlowStateNotFound: (404, "flow_state_not_found"),
    flow.FlowStateExpired: (422, "flow_state_expired"),
    flow.BadCodeVerifier: (400, "bad_code_verifier"),
    flow.PkceUserBanned: (400, "user_banned"),
    flow.PhoneProviderDisabled: (400, "phone_provider_disabled"),
    flow.ReauthenticationEmailNotConfirmed: (422, "email_not_confirmed"),
    flow.ReauthenticationNeeded: (400, "reauthentication_needed"),
    flow.ReauthenticationNotValid: (422, "reauthentication_not_valid"),
    # A refusal of a lower layer's flow that has no row of its own: a request that cannot be
    # completed as asked (never a 500; the message is the flow's, safe to show).
    FlowError: (400, "validation_failed"),
}


def from_flow_error(exc: FlowError) -> GoTrueError:
    """The GoTrue refusal a client receives for `exc` (see FLOW_ERRORS)."""
    status, code = next(FLOW_ERRORS[cls] for cls in type(exc).__mro__ if cls in FLOW_ERRORS)
    extra = {}
    if isinstance(exc, flow.WeakPassword):
        extra = {"weak_password": {"reasons": exc.reasons}}  # what the clients read
    return GoTrueError(status, code, exc.message, extra=extra)


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


def first_message(detail: object) -> str:
    """The first message of a DRF ValidationError's detail (a string, list or dict of them).

    The Admin API's serializers stop at their first error (supabase_api.serializers), as GoTrue
    answers one message per refusal rather than a dict of them."""
    while isinstance(detail, dict | list):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


def as_gotrue_error(exc: Exception) -> GoTrueError | None:
    """`exc` as the GoTrue refusal a client receives, or None for an exception that is not a
    refusal (an unreachable dependency, a bug)."""
    if isinstance(exc, GoTrueError):
        return exc
    if isinstance(exc, FlowError):
        return from_flow_error(exc)
    if isinstance(exc, drf_exceptions.ValidationError):
        return validation_failed(first_message(exc.detail))
    if isinstance(exc, RateLimitExceeded):
        return rate_limited(exc)
    for exc_type, (status, code, message) in _DRF_CODES.items():
        if isinstance(exc, exc_type):
            return GoTrueError(status, code, message)
    if isinstance(exc, drf_exceptions.APIException):
        return GoTrueError(exc.status_code, "unexpected_failure", str(exc.detail))
    return None


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
    refusal = as_gotrue_error(exc)
    if refusal is not None:
        return from_exception(context["request"], refusal)
    # Anything else (an unreachable database or limit store included) propagates to
    # config.middleware.FaultBarrierMiddleware / config.http_errors, which answer 503 or
    # 500 as JSON in this format: never a traceback.
    return None
