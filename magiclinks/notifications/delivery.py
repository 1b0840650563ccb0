"""Sending one outbox row: render, send through the configured mailer, record, wipe.

Idempotent by row state: the row is locked and only a `pending` row is sent, so a task that is
delivered twice (or retried after a send that succeeded) never mails twice.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from ..link_urls import link_url
from ..models import Notification, NotificationStatus
from . import crypto


def deliver(notification_id: int) -> str:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("link", "user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != NotificationStatus.PENDING:
            return "skipped"
        secret, otp = crypto.unseal(notification.encrypted_secret)
        url = link_url(notification.link, secret)
        body = f"Open this link to continue:\n\n{url}\n"
        if otp:
            body += f"\nOr enter this code: {otp}\n"
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
        )
        message.send()
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.encrypted_secret = None
        notification.esp_message_id = (
            (getattr(message, "anymail_status", None)
            and (message.anymail_status.message_id or ""))
            or ""
        )
        notification.save()
        record(
            "notification.sent",
            actor=Actor.system("mailer"),
            partner=notification.partner_id,
            account=notification.account_id,
            user=notification.user,
            link=notification.link_id,
            details={"notification_id": notification.pk, "kind": notification.kind},
        )
    return "sent"
