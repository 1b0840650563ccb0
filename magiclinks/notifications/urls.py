"""Webhook routes: anymail's tracking views for every ESP it supports, under /webhooks/anymail/.

Only the tracking views are mounted (no inbound mail handling here), each behind a guard that
refuses all calls while no WEBHOOK_SECRET is configured: anymail would only warn, and an open
endpoint would let anybody mark emails delivered or bounced. Importing `tracking` here connects the
signal receiver; the views that send the signal are reachable only through this module.
"""

from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, include, path
from django.views.decorators.csrf import csrf_exempt

from . import tracking  # noqa: F401  (connects the anymail `tracking` receiver)


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


_tracking_views = [
    URLPattern(pattern.pattern, require_webhook_secret(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern) and (pattern.name or "").endswith("_tracking_webhook")
]
app_name = "notifications"
urlpatterns = [path("anymail/", include((_tracking_views, "anymail")))]
