"""Handing an outbox row to Celery: the one place that enqueues `send_notification`.

Used by the outbox (after the issuing transaction commits) and by the sweeper (rows still pending
later). The message carries the row id only, never a secret. A broker that is down is not an
error here: the row stays `pending` and the sweeper's next run hands it over again.
"""

import logging

from celery import Task

from .tasks import send_notification

logger = logging.getLogger(__name__)


def enqueue(task: Task, row_id: int, *, what: str, countdown: int | None = None) -> bool:
    """`task.apply_async((row_id,))`; False when the broker is down (the outbox row stays pending
    for its sweeper). Shared by every outbox (emails here, webhooks.dispatch)."""
    try:
        task.apply_async((row_id,), countdown=countdown)
    except Exception as exc:  # kombu raises many types; every one means "try again later"
        logger.warning(
            "broker unavailable, %s %s left pending: %s", what, row_id, type(exc).__name__
        )
        return False
    return True


def dispatch(notification_id: int) -> bool:
    """Hand a notification to Celery; False (and the row stays pending) if the broker is down."""
    return enqueue(send_notification, notification_id, what="notification")
