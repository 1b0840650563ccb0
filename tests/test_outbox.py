"""magiclinks.notifications.outbox (minimal path): row in the transaction, secret encrypted,
sent once, secret wiped."""

from datetime import timedelta

import pytest
from django.core import mail

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, Notification
from magiclinks.notifications import crypto
from magiclinks.notifications.delivery import deliver
from magiclinks.notifications.outbox import queue_link_email

pytestmark = pytest.mark.django_db


def test_queued_email_is_sent_once_and_the_secret_wiped(
    make, django_capture_on_commit_callbacks, settings
):
    # Deliver inside the test process: the worker path is covered by test_notifications_worker.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    account = make.account()
    actor = Actor.partner(account.partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=actor,
        lifetime=timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.status == "sent" and stored.encrypted_secret is None
    assert len(mail.outbox) == 1 and issued.secret in mail.outbox[0].body
    assert deliver(notification.pk) == "skipped"  # a second delivery does nothing
    assert len(mail.outbox) == 1
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"notification.queued", "notification.sent"} <= events


def test_sealed_secret_round_trips_and_rejects_tampering():
    token = crypto.seal("s3cret", "123456")
    assert b"s3cret" not in token
    assert crypto.unseal(token) == ("s3cret", "123456")
    with pytest.raises(ValueError):
        crypto.unseal(token[:-2] + b"xx")
