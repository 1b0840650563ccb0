"""Backlog figures of the webhook outbox, for /metrics (config.ops_views)."""

from magiclinks.notifications.backlog import pending_stats

from .models import DeliveryStatus, WebhookDelivery


def stats() -> dict[str, float]:
    """{"pending": rows not yet delivered or given up, "oldest_age_seconds": age of the oldest
    of them, 0 when there is none}; one query over the partial index of pending rows."""
    return pending_stats(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING))
