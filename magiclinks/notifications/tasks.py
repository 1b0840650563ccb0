"""The outbox's delivery task. It receives a row id only, never a secret.

`send_notification` makes one delivery attempt and, when it failed for a reason worth retrying,
schedules the next one with exponential backoff and full jitter (Celery's own helper). The number
of attempts is counted on the row, not in the Celery message, so duplicates and re-dispatches
cannot multiply it beyond NOTIFICATION_MAX_ATTEMPTS. (The sweeper's beat task lives with the
sweeper, magiclinks.notifications.sweeper, which enqueues through .dispatch like the outbox.)
"""

import logging

from celery import shared_task
from celery.exceptions import Retry
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from .delivery import Outcome, attempt

logger = logging.getLogger(__name__)


def backoff_seconds(attempts: int) -> int:
    """Delay before attempt `attempts + 1`: random in [1, min(max, base * 2**(attempts-1))]."""
    interval = get_exponential_backoff_interval(
        factor=settings.NOTIFICATION_RETRY_BASE_SECONDS,
        retries=max(attempts - 1, 0),
        maximum=settings.NOTIFICATION_RETRY_MAX_SECONDS,
        full_jitter=True,
    )
    return max(1, interval)


@shared_task(bind=True, name="magiclinks.notifications.send_notification", max_retries=None)
def send_notification(self, notification_id: int) -> str:
    outcome, attempts = attempt(notification_id)
    if outcome != Outcome.RETRY:
        return outcome
    try:
        raise self.retry(countdown=backoff_seconds(attempts), max_retries=None)
    except Retry:
        raise
    except Exception as exc:  # broker gone while scheduling: the row stays pending for the beat
        logger.warning(
            "could not schedule retry of notification %s (%s); the sweeper will re-dispatch it",
            notification_id,
            type(exc).__name__,
        )
        return outcome
