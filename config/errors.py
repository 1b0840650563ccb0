"""Site-wide 404/500 handlers: JSON in each API's own error format, HTML elsewhere.

Django calls these for URLs no view matched and for exceptions no view handled, so an API
client never receives an HTML page or a traceback.
"""

import sys

from django.http import HttpRequest, HttpResponse
from django.views import csrf, defaults

from magiclinks.partner_api import errors as partner_errors
from supabase_api import errors as gotrue_errors


def api_error(
    request: HttpRequest,
    status: int,
    *,
    partner_code: str,
    gotrue_code: str,
    message: str,
    details: dict | None = None,
    headers: dict | None = None,
) -> HttpResponse | None:
    """An error in the format of the API that `request` is addressed to; None outside the APIs."""
    if request.path.startswith("/v1beta"):
        return partner_errors.error_response(status, partner_code, message, details, headers)
    if request.path.startswith("/auth/v1"):
        response = gotrue_errors.error_response(request, status, gotrue_code, message)
        for name, value in (headers or {}).items():
            response[name] = value
        return response
    return None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1beta"):
        return partner_errors.error_response(404, "NOT_FOUND", "No such endpoint.")
    if request.path.startswith("/auth/v1"):
        return gotrue_errors.error_response(request, 404, "not_found", "No such endpoint.")
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. Every Partner API view is a DRF view, exempt from CSRF (keys, not
    cookies, authenticate it), so a CSRF refusal under /v1beta means that no endpoint matched
    (e.g. POST to a malformed path): answer the API's JSON 404, never Django's HTML 403 page."""
    if request.path.startswith("/v1beta"):
        return not_found(request)
    return csrf.csrf_failure(request, reason)


def server_error(request: HttpRequest) -> HttpResponse:
    # An unreachable dependency raised outside a view (e.g. in a middleware) is a 503, not a 500.
    from config.middleware import unavailable_response

    unavailable = unavailable_response(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    if request.path.startswith("/v1beta"):
        return partner_errors.error_response(
            500, "INTERNAL_ERROR", "An unexpected error occurred. It has been logged."
        )
    if request.path.startswith("/auth/v1"):
        return gotrue_errors.error_response(
            request, 500, "unexpected_failure", "An unexpected error occurred."
        )
    return defaults.server_error(request)
