"""Handing a delivery row to Celery: the one place that enqueues `deliver_webhook`.

The message carries the row id only (never the payload or a secret). A broker that is down is
not an error: the row stays pending and the sweeper hands it over later.
"""

import logging

from .attempt_task import deliver_webhook

logger = logging.getLogger(__name__)


def dispatch(delivery_id: int, countdown: int | None = None) -> bool:
    """Enqueue one attempt; False (the row stays pending) if the broker is unreachable."""
    try:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    except Exception as exc:  # kombu raises many types; every one means "the sweeper will"
        logger.warning(
            "broker unavailable, webhook delivery %s left pending: %s",
            delivery_id,
            type(exc).__name__,
        )
        return False
    return True
