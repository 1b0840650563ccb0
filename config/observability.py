"""One middleware that measures every request: the Prometheus request counter and duration
(config.metrics) and, with `LOG_FORMAT=json`, one JSON log line per request (logger
`linkgate.access`): request id, partner id, route, method, status, duration in ms.

The route is the URL pattern's name (`browser:partner_login`, `partner_api:…`), never the raw
path: paths carry link secrets, and a label per path would also make one time series per link.
Nothing here touches the database or Redis: the partner id is the one authentication already
put on the request, the request id the audit middleware's.
"""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import metrics

access_log = logging.getLogger("linkgate.access")


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"  # 404s of unknown paths, and answers given before URL resolution
    return match.view_name or match.route or "unnamed"


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = route_of(request)
        metrics.record_request(route, request.method or "", response.status_code, seconds)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "request",
                extra={
                    "request_id": getattr(request, "request_id", ""),
                    "partner_id": getattr(request, "partner_id", None),
                    "route": route,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
        return response
