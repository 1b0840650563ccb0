"""Prometheus metrics (prometheus-client): what the service counts, and the /metrics rendering.

Counters live in process memory; recording one costs no SQL statement and no Redis command.
Under gunicorn (several worker processes) and with Celery workers, set `PROMETHEUS_MULTIPROC_DIR`
to a directory shared by all of them (emptied at each start, see docs/operations.md):
prometheus-client's multiprocess mode then writes each process's values to files there, and a
scrape adds them up.

Scrape-time gauges (the outbox backlog, the webhook backlog) are collected by config.ops_views
when Prometheus scrapes, never per request. The link and email counters move when an audit event
of theirs is committed (audit.recorder calls `record_event`), so they count what the audit log
holds, not what a rolled-back transaction attempted.
"""

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "linkgate_http_requests",
    "HTTP requests by route (the URL pattern's name, never the raw path), method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "linkgate_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LINKS_ISSUED = Counter("linkgate_links_issued", "Login links issued, by kind.", ["kind"])
LINKS_REDEEMED = Counter("linkgate_links_redeemed", "Login links redeemed (signed in).")
LINKS_FAILED = Counter(
    "linkgate_links_failed", "Redemptions refused, by reason (expired, used, ...).", ["reason"]
)
EMAILS = Counter(
    "linkgate_emails",
    "Emails by outcome: queued, sent, failed (given up), delivered, bounced, complained.",
    ["outcome"],
)
RATE_LIMIT_REFUSALS = Counter(
    "linkgate_rate_limit_refusals", "Requests refused by a rate limit, by limit name.", ["limit"]
)

# Audit event → the counter it moves (audit.recorder reports each event once committed).
_EMAIL_EVENTS = {
    "notification.queued": "queued",
    "notification.sent": "sent",
    "notification.failed": "failed",
    "notification.delivered": "delivered",
    "notification.bounced": "bounced",
    "notification.complained": "complained",
}


def record_refusal(limit: str) -> None:
    RATE_LIMIT_REFUSALS.labels(limit).inc()


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)


def record_event(event: str, details: dict) -> None:
    """Count a committed audit event that is one of the outcomes above."""
    if event == "login_link.generated":
        LINKS_ISSUED.labels(str(details.get("kind", "unknown"))).inc()
    elif event == "login_link.redeemed":
        LINKS_REDEEMED.inc()
    elif event == "login_link.redeem_failed":
        LINKS_FAILED.labels(str(details.get("reason", "unknown"))).inc()
    elif event in _EMAIL_EVENTS:
        EMAILS.labels(_EMAIL_EVENTS[event]).inc()


class _ThisProcess:
    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()


def render(*scrape_time: object) -> tuple[bytes, str]:
    """The exposition text of every metric, plus the `scrape_time` collectors' (objects with a
    `collect()` that query now), and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every process's values, from the shared directory
    else:
        registry.register(_ThisProcess())
    for collector in scrape_time:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST
