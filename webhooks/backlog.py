"""Backlog figures of the webhook outbox, for the metrics endpoint (built elsewhere)."""

from django.db.models import Count, Min
from django.utils import timezone

from .models import DeliveryStatus, WebhookDelivery


def stats() -> dict:
    """{"pending": rows not yet delivered or given up, "oldest_age_seconds": age of the oldest
    of them (None when there is none)}; one query over the partial index of pending rows."""
    figures = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(
        pending=Count("id"), oldest=Min("created_at")
    )
    oldest = figures["oldest"]
    age = None if oldest is None else (timezone.now() - oldest).total_seconds()
    return {"pending": figures["pending"], "oldest_age_seconds": age}
