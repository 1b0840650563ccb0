"""Celery tasks that deliver outbox rows. They receive row ids only, never a secret."""

from celery import shared_task

from .delivery import deliver


@shared_task(name="magiclinks.notifications.send_notification")
def send_notification(notification_id: int) -> str:
    return deliver(notification_id)
