"""Handing a delivery row to Celery: the one place that enqueues `deliver_webhook`.

The message carries the row id only (never the payload or a secret). A broker that is down is
not an error: the row stays pending and the sweeper hands it over later.
"""

from magiclinks.notifications.dispatch import enqueue

from .attempt_task import deliver_webhook


def dispatch(delivery_id: int, countdown: int | None = None) -> bool:
    """Enqueue one attempt; False (the row stays pending) if the broker is unreachable."""
    return enqueue(deliver_webhook, delivery_id, what="webhook delivery", countdown=countdown)
