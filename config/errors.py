"""Site-wide 404/500 handlers: JSON in each API's own error format, HTML elsewhere.

Django calls these for URLs no view matched and for exceptions no view handled, so an API
client never receives an HTML page or a traceback.
"""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from magiclinks.gotrue import errors as gotrue_errors
from magiclinks.partner_api import errors as partner_errors


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/v1beta"):
        return partner_errors.error_response(404, "NOT_FOUND", "No such endpoint.")
    if request.path.startswith("/auth/v1"):
        return gotrue_errors.error_response(request, 404, "not_found", "No such endpoint.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/v1beta"):
        return partner_errors.error_response(
            500, "INTERNAL_ERROR", "An unexpected error occurred. It has been logged."
        )
    if request.path.startswith("/auth/v1"):
        return gotrue_errors.error_response(
            request, 500, "unexpected_failure", "An unexpected error occurred."
        )
    return defaults.server_error(request)
