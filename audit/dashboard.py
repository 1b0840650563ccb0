"""The admin index panel's figures: what happened in the last 24 hours, from the audit log.

One aggregate query over the `audit_recent` index (occurred_at range), whatever the table size.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import AuditEvent

PANEL_EVENTS = {
    "links_generated": "login_link.generated",
    "links_redeemed": "login_link.redeemed",
    "failed_redemptions": "login_link.redeem_failed",
    "notifications_failed": "notification.failed",
}


def last_24_hours() -> dict[str, int]:
    """Counts of the panel's events in the 24 hours up to now."""
    since = timezone.now() - timedelta(hours=24)
    return AuditEvent.objects.filter(
        occurred_at__gte=since, event__in=PANEL_EVENTS.values()
    ).aggregate(**{key: Count("pk", filter=Q(event=event)) for key, event in PANEL_EVENTS.items()})
