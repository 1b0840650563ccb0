"""Delivery tracking: anymail's normalised `tracking` signal updates the outbox row and audits.

The row is found by the ESP's message id; if the event outruns our own commit of that id (the
ESP can call back within milliseconds), the `notification_id` metadata we attach to every message
finds it instead, and the row lock makes the handler wait for the sending transaction to finish.
Webhooks are retried and may arrive out of order, so each transition happens at most once and a
bounce is never overwritten by a late "delivered".
"""

import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from audit.recorder import record

from ..models import Notification, NotificationStatus
from .delivery import MAILER

logger = logging.getLogger(__name__)

BOUNCE_EVENTS = {"bounced", "rejected", "failed"}
DETAIL_MAX = 300


def _find(event: AnymailTrackingEvent) -> Notification | None:
    rows = Notification.objects.select_for_update(of=("self",))
    if event.message_id:
        found = rows.filter(esp_message_id=str(event.message_id)).first()
        if found is not None:
            return found
    metadata_id = str((event.metadata or {}).get("notification_id", ""))
    if metadata_id.isdigit():
        return rows.filter(pk=int(metadata_id)).first()
    return None


def _audit(event_name: str, notification: Notification, event: AnymailTrackingEvent) -> None:
    record(
        event_name,
        actor=MAILER,
        partner=notification.partner_id,
        account=notification.account_id,
        user=notification.user_id,
        link=notification.link_id,
        details={
            "notification_id": notification.pk,
            "kind": notification.kind,
            "esp_event": event.event_type,
            "esp_message_id": notification.esp_message_id or None,
            "reason": (event.reject_reason or event.description or "")[:DETAIL_MAX] or None,
        },
    )


def apply_event(event: AnymailTrackingEvent) -> str | None:
    """Apply one tracking event; returns the audit event written, or None if nothing changed."""
    if event.event_type not in {"delivered", "complained", *BOUNCE_EVENTS}:
        return None  # opens, clicks, deferrals...: nothing the outbox records
    with transaction.atomic():
        notification = _find(event)
        if notification is None:
            logger.info("tracking event %s for an unknown message", event.event_type)
            return None
        if event.event_type == "delivered":
            if notification.status != NotificationStatus.SENT:
                return None  # a duplicate, or late after a bounce: keep the first outcome
            notification.status = NotificationStatus.DELIVERED
            notification.delivered_at = event.timestamp or timezone.now()
            name = "notification.delivered"
        elif event.event_type == "complained":
            if "complained" in notification.last_error:
                return None
            notification.last_error = "complained: the recipient marked the email as spam"
            name = "notification.complained"
        else:
            if notification.status == NotificationStatus.BOUNCED:
                return None
            notification.status = NotificationStatus.BOUNCED
            reason = event.reject_reason or event.event_type
            notification.last_error = f"{event.event_type}: {reason}"[:DETAIL_MAX]
            name = "notification.bounced"
        notification.save()
        _audit(name, notification, event)
    return name


@receiver(tracking, dispatch_uid="magiclinks.notifications.tracking")
def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    apply_event(event)
