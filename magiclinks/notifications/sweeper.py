"""The outbox sweeper and its beat task: hand stranded `pending` rows to Celery again.

A row is stranded when its first dispatch never reached a worker (the broker was down at commit,
a worker lost the message) or when a retry could not be scheduled. The query walks the partial
index `notification_pending` (created_at of pending rows only), so its cost follows the number of
pending rows, not the size of the table. Re-dispatching is safe: delivery is idempotent by row
state, so a row that is in fact still queued is simply skipped by whichever task comes second.
"""

from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..models import Notification, NotificationStatus
from .dispatch import dispatch

BATCH_SIZE = 500


def stranded_rows(older_than_seconds: int | None = None) -> QuerySet[Notification]:
    """Pending rows that no task is expected to pick up any more, oldest first."""
    age = (
        settings.NOTIFICATION_PENDING_AFTER_SECONDS
        if older_than_seconds is None
        else older_than_seconds
    )
    now = timezone.now()
    cutoff = now - timedelta(seconds=age)
    # A row with failed attempts has a retry scheduled at most RETRY_MAX seconds after its last
    # attempt (updated_at); only once that moment has passed too is it stranded.
    retry_cutoff = cutoff - timedelta(seconds=settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return (
        Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lt=cutoff)
        .filter(
            Q(attempts=0, updated_at__lt=cutoff) | Q(attempts__gt=0, updated_at__lt=retry_cutoff)
        )
        .order_by("created_at")
    )


def stranded(older_than_seconds: int | None = None) -> list[int]:
    """Ids of the first BATCH_SIZE stranded rows."""
    return list(stranded_rows(older_than_seconds).values_list("pk", flat=True)[:BATCH_SIZE])


def hand_over(
    row_ids: list[int], dispatch_one: Callable[[int], bool], touch: Callable[[int], object]
) -> int:
    """Dispatch each row until the broker refuses one; `touch` each row handed over, so the next
    sweep does not queue it again while its message waits. Shared by every outbox's sweeper."""
    sent = 0
    for row_id in row_ids:
        if not dispatch_one(row_id):
            break  # broker still down: the next beat run tries again
        touch(row_id)
        sent += 1
    return sent


def _touch(notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).update(
        updated_at=timezone.now()
    )


def redispatch_pending(older_than_seconds: int | None = None) -> int:
    """Dispatch every stranded row once; returns how many were handed to the broker."""
    return hand_over(stranded(older_than_seconds), dispatch, _touch)


@shared_task(name="magiclinks.notifications.redispatch_pending")
def redispatch_pending_notifications(older_than_seconds: int | None = None) -> int:
    """Beat task: re-dispatch rows pending for over NOTIFICATION_PENDING_AFTER_SECONDS."""
    return redispatch_pending(older_than_seconds)
