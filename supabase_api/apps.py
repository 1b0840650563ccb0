"""App config for supabase_api: connects its receivers and registers the Admin API's error
format (Supabase Auth's, under /auth/v1/) with config.http_errors."""

from django.apps import AppConfig
from django.http import HttpRequest, HttpResponse

from config import http_errors
from config.http_errors import Failure, HttpFailure

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
    from . import errors

    code, message = _ADMIN_API_FAILURES[failure.kind]
    return errors.error_response(
        request, failure.status, code, message or failure.message, headers=failure.headers
    )


class SupabaseApiConfig(AppConfig):
    name = "supabase_api"
    verbose_name = "Admin API (Supabase Auth compatible)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the user-change and sign-out receivers)

        http_errors.register_api(ADMIN_API_PREFIX, render_admin_api_failure)
