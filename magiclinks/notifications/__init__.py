"""The email outbox: Notification rows, rendering, Celery delivery, ESP webhooks."""
