"""The webhook sweeper and its beat task: hand due pending rows to Celery.

A row is handed over when its next attempt has been due for WEBHOOK_PENDING_AFTER_SECONDS:
its kick after commit was lost (broker down), a worker died holding it (its lease passed), or
its retry was too far off to schedule through the broker (webhooks.tasks). The query walks the
partial index of pending rows. Re-dispatching is safe: a task claims a row only when it is due
and not locked, so a duplicate message is skipped.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from magiclinks.notifications.sweeper import hand_over

from .dispatch import dispatch
from .models import DeliveryStatus, WebhookDelivery

BATCH_SIZE = 500


def due(grace_seconds: int | None = None) -> list[int]:
    grace = settings.WEBHOOK_PENDING_AFTER_SECONDS if grace_seconds is None else grace_seconds
    cutoff = timezone.now() - timedelta(seconds=grace)
    rows = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff
    )
    return list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH_SIZE])


def _touch(delivery_id: int) -> None:
    # Still due (now), so a worker can claim it; not due for `grace` more seconds of sweeping.
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now()
    )


def redispatch_due(grace_seconds: int | None = None) -> int:
    """Dispatch every due row once; returns how many reached the broker."""
    return hand_over(due(grace_seconds), dispatch, _touch)


@shared_task(name="webhooks.redispatch_due")
def redispatch_due_webhooks(grace_seconds: int | None = None) -> int:
    return redispatch_due(grace_seconds)
