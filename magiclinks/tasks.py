"""Celery tasks. Tasks receive ids only, never a secret."""

from celery import shared_task

from .flows.purge import purge_expired_links as purge


@shared_task(name="magiclinks.tasks.purge_expired_links")
def purge_expired_links() -> int:
    """Beat task: delete links expired for longer than LINK_PURGE_AFTER_DAYS."""
    return purge()
