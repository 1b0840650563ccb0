"""Queueing an email: the outbox row is written in the caller's transaction.

`queue_link_email()` is called by every flow that issues a link for somebody to receive by mail.
It stores the secret encrypted on the row and, once the transaction commits, hands the row id
to Celery (.dispatch). If the broker is down at that moment, nothing is lost: the row stays
`pending` and the sweeper's beat task re-dispatches it.
"""

from django.db import transaction

from audit.actors import Actor
from audit.recorder import record

from ..flows.issue import IssuedLink
from ..models import LinkKind, Notification, NotificationKind
from . import crypto
from .dispatch import dispatch
from .rendering import subject_for


def queue_link_email(
    issued: IssuedLink, *, kind: str, actor: Actor, options: dict | None = None
) -> Notification:
    """Write a pending Notification for `issued` and dispatch it after commit.

    `kind` is a NotificationKind; `options` are the rendering options (partner_branded,
    custom_subject, custom_message, include_instructions). Call inside the issuing transaction.
    """
    link = issued.link
    options = dict(options or {})
    recipient = link.new_email if link.kind == LinkKind.EMAIL_CHANGE_NEW else link.user.email
    subject = subject_for(NotificationKind(kind), link=link, options=options)
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            link=link,
            user=link.user,
            account_id=link.account_id,
            partner_id=link.partner_id,
            recipient=recipient,
            kind=kind,
            subject=subject,
            options=options,
            encrypted_secret=crypto.seal(issued.secret, issued.otp),
        )
        record(
            "notification.queued",
            actor=actor,
            partner=link.partner_id,
            account=link.account_id,
            user=link.user,
            link=link,
            details={"notification_id": notification.pk, "kind": kind},
        )
        transaction.on_commit(lambda: dispatch(notification.pk))
    return notification
