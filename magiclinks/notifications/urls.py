"""Webhook routes: only the configured ESP's anymail tracking view, under /webhooks/anymail/.

Only the tracking view of the ESP named by `EMAIL_TRACKING_ESP` (by default the anymail ESP of
`EMAIL_BACKEND`) answers; no inbound mail handling is mounted. Security: anymail's views of ESPs
that are not configured either crash on their missing settings (an HTML 500 and a traceback in the
log) or accept a body in their ESP's format, so anybody holding the webhook secret could feed
events through a parser nobody chose. Every other path under /webhooks/ is a JSON 404.

The ESP is looked up per request (a dictionary lookup) rather than when the URLconf is built, so
that the setting, not the import order, decides; the tracking view itself is anymail's.

The view is guarded so that it refuses all calls while no WEBHOOK_SECRET is configured: anymail
would only warn, and an open endpoint would let anybody mark emails delivered or bounced.
Importing `tracking` here connects the signal receiver; the views that send the signal are
reachable only through this module.
"""

import logging
from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailImproperlyInstalled
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import tracking  # noqa: F401  (connects the anymail `tracking` receiver)

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 300


def require_webhook_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt  # ESPs cannot send CSRF tokens; anymail authenticates with basic auth instead
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            return JsonResponse(
                {"error": "webhook_disabled", "message": "ANYMAIL_WEBHOOK_SECRET is not set."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return guarded


# esp name (the first path segment of anymail's route, e.g. "postmark") → its guarded view.
TRACKING_VIEWS: dict[str, Callable[..., HttpResponse]] = {
    str(pattern.pattern).split("/", 1)[0]: require_webhook_secret(pattern.callback)
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern) and (pattern.name or "").endswith("_tracking_webhook")
}


@csrf_exempt  # a POST to an unknown path must get the JSON 404, not Django's CSRF page
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": "No such webhook."}, status=404)


@csrf_exempt  # see require_webhook_secret
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """The configured ESP's tracking view; a JSON 404 for every other ESP."""
    view = TRACKING_VIEWS.get(esp) if esp == settings.EMAIL_TRACKING_ESP else None
    if view is None:
        return not_found(request)
    try:
        return view(request)
    except (AnymailConfigurationError, AnymailImproperlyInstalled) as exc:
        # The chosen ESP lacks a setting or a package: an operator error. Logged for them (the
        # message names the missing setting), a 503 for the ESP, which retries the event later.
        logger.error("webhook for %s is misconfigured: %s", esp, exc)
        return JsonResponse(
            {"error": "webhook_misconfigured", "message": "This webhook is not set up yet."},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


app_name = "notifications"
urlpatterns = [
    path("anymail/<slug:esp>/tracking/", tracking_webhook, name="anymail-tracking"),
    re_path(r"", not_found, name="not-found"),
]
