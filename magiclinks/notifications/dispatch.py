"""Handing an outbox row to Celery: the one place that enqueues `send_notification`.

Used by the outbox (after the issuing transaction commits) and by the sweeper (rows still pending
later). The message carries the row id only, never a secret. A broker that is down is not an
error here: the row stays `pending` and the sweeper's next run hands it over again.
"""

import logging

from .tasks import send_notification

logger = logging.getLogger(__name__)


def dispatch(notification_id: int) -> bool:
    """Hand a notification to Celery; False (and the row stays pending) if the broker is down."""
    try:
        send_notification.delay(notification_id)
    except Exception as exc:  # kombu raises many types; every one means "try again later"
        logger.warning(
            "broker unavailable, notification %s left pending: %s",
            notification_id,
            type(exc).__name__,
        )
        return False
    return True
