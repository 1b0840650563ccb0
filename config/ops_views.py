"""Operator endpoints: `/healthz` (liveness), `/readyz` (readiness), `/metrics` (Prometheus).

- `/healthz`: 200 while the process can answer; touches neither the database nor Redis, so an
  orchestrator does not restart healthy web processes when a dependency is down.
- `/readyz`: 200 when the database and Redis answer, 503 otherwise (take the instance out of
  the load balancer; it comes back by itself). `GET /v1beta/health` keeps its contract and runs
  the same checks (config.health).
- `/metrics`: Prometheus text format, behind a bearer token (`METRICS_TOKEN`), 404 while no
  token is set. A token rather than a second, internal port: gunicorn serves one socket, and a
  second server in each worker would need its own port per process; the token works behind any
  proxy and with Prometheus' `authorization` setting. Security: compared in constant time.
  Scrape-time gauges (outbox and webhook backlog) are queried here, once per scrape.

This module sits at the top of the graph like config.urls (it reads the apps' backlogs).
"""

import hmac
import logging

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import GaugeMetricFamily

from magiclinks.notifications import backlog as outbox_backlog

from . import metrics
from .health import cache_ok, database_ok

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if database_ok() else "unavailable",
        "cache": "ok" if cache_ok() else "unavailable",
    }
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def _gauges(prefix: str, help_name: str, stats: dict[str, float]):
    pending = GaugeMetricFamily(f"{prefix}_pending", f"{help_name} waiting to be sent.")
    pending.add_metric([], stats["pending"])
    age = GaugeMetricFamily(
        f"{prefix}_oldest_age_seconds", f"Age of the oldest {help_name.lower()} still waiting."
    )
    age.add_metric([], stats["oldest_age_seconds"])
    return [pending, age]


def _webhook_stats() -> dict[str, float]:
    from webhooks import backlog as webhook_backlog  # issue 15's webhooks app, when installed

    return webhook_backlog.stats()


class BacklogCollector:
    """The backlogs, queried now. A database that cannot answer does not fail the scrape: the
    process metrics are still served, and `linkgate_backlog_up{backlog=…}` says 0."""

    def collect(self):
        sources = [("outbox", "linkgate_outbox", "Emails", outbox_backlog.stats)]
        if apps.is_installed("webhooks"):
            sources.append(("webhooks", "linkgate_webhooks", "Webhook deliveries", _webhook_stats))
        up = GaugeMetricFamily(
            "linkgate_backlog_up",
            "1 when the backlog could be read at this scrape.",
            labels=["backlog"],
        )
        for label, prefix, help_name, stats in sources:
            try:
                gauges = _gauges(prefix, help_name, stats())
            except DatabaseError as exc:
                logger.warning("metrics: %s backlog unreadable: %s", label, type(exc).__name__)
                up.add_metric([label], 0)
                continue
            up.add_metric([label], 1)
            yield from gauges
        yield up


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # Security: constant-time comparison, so the token cannot be guessed byte by byte.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404  # off until an operator sets a token: nothing to find
    if not _authorized(request, token):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.render(BacklogCollector())
    return HttpResponse(body, content_type=content_type)
