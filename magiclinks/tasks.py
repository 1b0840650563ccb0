"""Celery tasks of this app (Celery autodiscovers this module). Tasks receive ids, never secrets."""

from celery import shared_task

from .flows.purge import purge_expired_links as purge
from .notifications.sweeper import redispatch_pending_notifications
from .notifications.tasks import send_notification
from .partner_api.idempotency import purge_idempotency_keys

__all__ = [
    "purge_expired_links",
    "purge_idempotency_keys",
    "redispatch_pending_notifications",
    "send_notification",
]


@shared_task(name="magiclinks.tasks.purge_expired_links")
def purge_expired_links() -> int:
    """Beat task: delete links expired for longer than LINK_PURGE_AFTER_DAYS."""
    return purge()
