"""The email outbox's backlog for /metrics: how many emails wait to be sent and how long the
oldest has waited. One aggregate query over the partial index on pending rows, run when
Prometheus scrapes (config.ops_views), never per request."""

from django.db.models import Count, Min
from django.utils import timezone

from ..models import Notification, NotificationStatus


def stats() -> dict[str, float]:
    """`pending` (rows) and `oldest_age_seconds` (0 when none is pending)."""
    row = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(
        pending=Count("id"), oldest=Min("created_at")
    )
    oldest = row["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return {"pending": row["pending"], "oldest_age_seconds": max(age, 0.0)}
