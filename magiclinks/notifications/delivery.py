"""Sending one outbox row: render, send through the configured mailer, record, wipe.

Idempotent by row state: the row is locked (`SELECT ... FOR UPDATE`, only the notification row)
for the whole attempt and only a `pending` row is sent, so a task that is delivered twice, a
beat re-dispatch racing a retry, or a retry after a send that succeeded never mails twice.

The window between the ESP accepting the message and our COMMIT (a crash or a lost database
connection in those milliseconds) is resolved towards *at least once*: the transaction rolls back,
the row is still `pending` with its sealed secret, and the beat task sends it again. A duplicate
of the same single-use link is harmless; a login email that silently never arrives is not. The
alternative (committing a "sending" claim before calling the ESP) turns that window into a lost
email that nobody retries. See docs/email.md.
"""

import logging
from enum import StrEnum

from anymail.message import AnymailMessage
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from .. import tokens
from ..link_urls import link_url
from ..models import LinkStatus, Notification, NotificationStatus
from . import crypto, errors
from .rendering import render

logger = logging.getLogger(__name__)
MAILER = Actor.system("mailer")


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not pending any more: already sent, failed, or unknown id
    RETRY = "retry"  # this attempt failed; the row stays pending for another one
    FAILED = "failed"  # given up: recorded, audited, secret wiped


def _audit(event: str, notification: Notification, **details) -> None:
    record(
        event,
        actor=MAILER,
        partner=notification.partner_id,
        account=notification.account_id,
        user=notification.user_id,
        link=notification.link_id,
        details={"notification_id": notification.pk, "kind": notification.kind, **details},
    )


def _fail(notification: Notification, *, reason: str, error: str, **details) -> Outcome:
    """Final failure: the row records why, the secret is wiped, the audit log says so."""
    notification.status = NotificationStatus.FAILED
    notification.last_error = error
    notification.encrypted_secret = None  # never keep a secret for an email that will not go
    notification.save()
    _audit(
        "notification.failed",
        notification,
        reason=reason,
        attempts=notification.attempts,
        **details,
    )
    logger.warning("notification %s failed (%s)", notification.pk, reason)
    return Outcome.FAILED


def _message(
    notification: Notification, url: str, otp: str | None, token_hash: str
) -> AnymailMessage:
    email = render(notification, url=url, otp=otp, token_hash=token_hash)
    message = AnymailMessage(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email,
        to=[notification.recipient],
        reply_to=email.reply_to,
        # Metadata lets the tracking webhook find the row even if it arrives before our commit.
        metadata={"notification_id": str(notification.pk)},
        tags=[notification.kind],
    )
    message.attach_alternative(email.html, "text/html")
    # Click tracking would route the secret through the ESP's redirector (and its logs);
    # open tracking is a privacy cost with no use here. Non-anymail backends ignore both.
    message.track_clicks = False
    message.track_opens = False
    return message


def _send_failed(notification: Notification, exc: Exception, hide: list) -> Outcome:
    """Record a failed attempt: give up (permanent error, attempts used up) or leave it pending."""
    error = errors.describe(exc, hide=hide)
    error_type = type(exc).__name__
    if errors.is_permanent(exc):
        return _fail(notification, reason="rejected", error=error, error_type=error_type)
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        return _fail(notification, reason="attempts_exhausted", error=error, error_type=error_type)
    notification.last_error = error
    notification.save(update_fields=["attempts", "last_error", "updated_at"])
    logger.warning(
        "notification %s attempt %s failed, will retry: %s",
        notification.pk,
        notification.attempts,
        error,
    )
    return Outcome.RETRY


def _mark_sent(notification: Notification, message: AnymailMessage) -> Outcome:
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.encrypted_secret = None  # sent: the secret has no reason to exist here now
    notification.last_error = ""
    notification.esp_message_id = str(message.anymail_status.message_id or "")[:255]
    notification.save()
    _audit(
        "notification.sent",
        notification,
        attempts=notification.attempts,
        esp_message_id=notification.esp_message_id or None,
    )
    return Outcome.SENT


def _send(notification: Notification) -> Outcome:
    link = notification.link
    if link is None or link.status != LinkStatus.ACTIVE:
        # Superseded, revoked, used or expired while waiting: mailing it would only confuse.
        status = link.status if link is not None else "deleted"
        return _fail(
            notification, reason="link_inactive", error=f"link is {status}", link_status=status
        )
    try:
        secret, otp = crypto.unseal(notification.encrypted_secret or b"")
    except ValueError:
        return _fail(
            notification, reason="undecryptable", error="sealed secret cannot be decrypted"
        )
    url = link_url(link, secret)
    token_hash = tokens.hashed_token(secret)  # redeems the link too: a secret like the others
    notification.attempts += 1
    try:
        message = _message(notification, url, otp, token_hash)
        message.send()
    except Exception as exc:  # any backend, any error: classify, never re-raise (secrets)
        return _send_failed(notification, exc, hide=[secret, otp, url, token_hash])
    return _mark_sent(notification, message)


def attempt(notification_id: int) -> tuple[Outcome, int]:
    """One delivery attempt; returns the outcome and the row's attempt count after it."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return Outcome.SKIPPED, 0
        return _send(notification), notification.attempts


def deliver(notification_id: int) -> Outcome:
    """Send the row if it is still pending; see the module docstring."""
    return attempt(notification_id)[0]
