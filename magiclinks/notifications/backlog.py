"""Outbox backlogs for /metrics: how many rows wait to be sent and how long the oldest has
waited. One aggregate query over the partial index on pending rows, run when Prometheus scrapes
(config.ops_views), never per request. The email outbox's here; the webhook outbox
(webhooks.backlog) measures itself with the same `pending_stats`."""

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from ..models import Notification, NotificationStatus


def pending_stats(pending: QuerySet) -> dict[str, float]:
    """`pending` (rows) and `oldest_age_seconds` (0 when none is pending: a gauge needs a
    number, and "nothing waits" is an age of zero for an alert on the age)."""
    row = pending.aggregate(pending=Count("id"), oldest=Min("created_at"))
    oldest = row["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return {"pending": row["pending"], "oldest_age_seconds": max(age, 0.0)}


def stats() -> dict[str, float]:
    """The email outbox's backlog (pending_stats)."""
    return pending_stats(Notification.objects.filter(status=NotificationStatus.PENDING))
