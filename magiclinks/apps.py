"""App config for magiclinks: connects its receivers and registers the error formats of the
HTTP APIs it serves with config.http_errors (the Partner API under /v1beta/ and, until it moves to
its own app, the Admin API under /auth/v1/)."""

from django.apps import AppConfig
from django.http import HttpRequest, HttpResponse

from config import http_errors
from config.http_errors import Failure, HttpFailure

PARTNER_API_PREFIX = "/v1beta/"
ADMIN_API_PREFIX = "/auth/v1/"

# The Admin API's (Supabase Auth's) error codes for config.http_errors' failures.
_ADMIN_API_FAILURES: dict[Failure, tuple[str, str | None]] = {
    Failure.NOT_FOUND: ("not_found", None),
    Failure.METHOD_NOT_ALLOWED: ("method_not_allowed", None),
    Failure.PAYLOAD_TOO_LARGE: ("request_too_large", None),
    Failure.SERVER_ERROR: ("unexpected_failure", None),
    Failure.SERVICE_UNAVAILABLE: ("service_unavailable", None),
}


def render_admin_api_failure(request: HttpRequest, failure: HttpFailure) -> HttpResponse:
    # Issue 12 part A moves the Admin API (and this renderer and its registration) to
    # supabase_api; this import line is the one that points at it.
    from accounts.gotrue import errors

    code, message = _ADMIN_API_FAILURES[failure.kind]
    return errors.error_response(
        request, failure.status, code, message or failure.message, headers=failure.headers
    )


class MagiclinksConfig(AppConfig):
    name = "magiclinks"
    verbose_name = "Login links"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change receivers)
        from .partner_api.errors import render_http_failure

        # Every Partner API view is a DRF view, exempt from CSRF: keys authenticate it.
        http_errors.register_api(PARTNER_API_PREFIX, render_http_failure, csrf_exempt=True)
        http_errors.register_api(ADMIN_API_PREFIX, render_admin_api_failure)
