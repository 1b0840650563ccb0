"""Celery tasks of this app (Celery autodiscovers this module). Tasks receive ids, never secrets."""

from .attempt_task import deliver_webhook
from .expiry import report_expired_links
from .sweeper import redispatch_due_webhooks

__all__ = ["deliver_webhook", "redispatch_due_webhooks", "report_expired_links"]
