"""The delivery task (re-exported by webhooks.tasks, which Celery autodiscovers).

Its message is a row id only: the payload and the secret stay in the database. A retry due
within WEBHOOK_RETRY_KICK_MAX_SECONDS is scheduled with Celery's countdown; later ones (hours)
are left to the sweeper, because a broker holding a message for hours (Redis visibility
timeout) may deliver it twice or lose it, and the row knows when it is due."""

import logging

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from .delivery import Outcome, attempt

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="webhooks.deliver", max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    outcome, delay = attempt(delivery_id)
    if outcome != Outcome.RETRY or delay is None or delay > settings.WEBHOOK_RETRY_KICK_MAX_SECONDS:
        return outcome
    try:
        raise self.retry(countdown=delay, max_retries=None)
    except Retry:
        raise
    except Exception as exc:  # broker gone while scheduling: the sweeper will pick the row up
        logger.warning("could not schedule webhook retry %s (%s)", delivery_id, type(exc).__name__)
        return outcome
