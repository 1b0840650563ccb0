"""magiclinks.notifications.delivery and sweeper: idempotent by row state (also under 10
simultaneous deliveries on PostgreSQL), links that died while waiting are not mailed, an
undecryptable row fails cleanly, and the sweeper picks exactly the stranded rows through the
partial index."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, Notification
from magiclinks.notifications.delivery import deliver
from magiclinks.notifications.outbox import queue_link_email
from magiclinks.notifications.sweeper import stranded

SLOW_OUTBOX: list = []


class SlowBackend(BaseEmailBackend):
    """A real email backend that takes its time, to widen the race window."""

    def send_messages(self, messages):
        threading.Event().wait(0.3)
        SLOW_OUTBOX.extend(messages)
        return len(messages)


def queued(make, django_capture_on_commit_callbacks):
    account = make.account()
    actor = Actor.partner(account.partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=actor,
        lifetime=timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
    return issued, notification


@pytest.mark.django_db
def test_delivering_again_after_success_sends_nothing(make, django_capture_on_commit_callbacks):
    _, notification = queued(make, django_capture_on_commit_callbacks)
    assert [deliver(notification.pk) for _ in range(3)] == ["sent", "skipped", "skipped"]
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="notification.sent").count() == 1


@pytest.mark.django_db
def test_a_link_revoked_while_waiting_is_not_mailed(make, django_capture_on_commit_callbacks):
    issued, notification = queued(make, django_capture_on_commit_callbacks)
    revoke_link(issued.link, actor=Actor.system("test"))
    assert deliver(notification.pk) == "failed"
    notification.refresh_from_db()
    assert mail.outbox == []
    assert notification.status == "failed" and notification.encrypted_secret is None
    assert notification.last_error == "link is revoked"
    failed = AuditEvent.objects.get(event="notification.failed")
    assert failed.details["reason"] == "link_inactive" and failed.link_id == issued.link.pk


@pytest.mark.django_db
def test_a_superseded_link_is_not_mailed_but_its_successor_is(
    make, django_capture_on_commit_callbacks
):
    first, first_row = queued(make, django_capture_on_commit_callbacks)
    account = first.link.account
    second = issue_link(
        user=first.link.user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=False):
        second_row = queue_link_email(
            second, kind="partner_login_link", actor=Actor.partner(account.partner)
        )
    assert deliver(first_row.pk) == "failed" and deliver(second_row.pk) == "sent"
    assert len(mail.outbox) == 1 and second.secret in mail.outbox[0].body


@pytest.mark.django_db
def test_a_row_sealed_under_another_key_fails_without_sending(
    make, django_capture_on_commit_callbacks, settings
):
    _, notification = queued(make, django_capture_on_commit_callbacks)
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    assert deliver(notification.pk) == "failed"
    notification.refresh_from_db()
    assert mail.outbox == [] and notification.encrypted_secret is None
    assert AuditEvent.objects.get(event="notification.failed").details["reason"] == "undecryptable"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_send_once(postgres, make, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.SlowBackend"}}
    SLOW_OUTBOX.clear()
    account = make.account()
    actor = Actor.partner(account.partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=actor,
        lifetime=timedelta(hours=1),
    )
    # Committed without dispatch: this test is the only one delivering the row.
    notification = Notification.objects.get(
        pk=_queue_without_dispatch(issued, actor),
    )
    barrier = threading.Barrier(10)
    results: list[str] = []

    def worker():
        try:
            barrier.wait()
            results.append(str(deliver(notification.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["sent"] + ["skipped"] * 9
    assert len(SLOW_OUTBOX) == 1
    assert AuditEvent.objects.filter(event="notification.sent").count() == 1


def _queue_without_dispatch(issued, actor) -> int:
    from django.db import transaction

    with transaction.atomic():
        notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
        # Drop the on_commit dispatch: the threads above play the workers.
        connection.run_on_commit.clear()
    return notification.pk


@pytest.mark.django_db
def test_the_sweeper_picks_only_stranded_rows(make, django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_PENDING_AFTER_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 600
    rows = {name: queued(make, django_capture_on_commit_callbacks)[1] for name in "abcdef"}
    now = timezone.now()
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731

    def age(name, created, updated, **fields):
        Notification.objects.filter(pk=rows[name].pk).update(
            created_at=ago(created), updated_at=ago(updated), **fields
        )

    age("a", 120, 120)  # broker was down at commit: stranded
    age("b", 30, 30)  # young: its first dispatch may still be on the way
    age("c", 900, 100, attempts=2)  # retry possibly still scheduled (< 600 s + 60 s ago)
    age("d", 2000, 700, attempts=2)  # retry should have run long ago: stranded
    age("e", 120, 120, status="sent")  # done
    age("f", 300, 20)  # just re-dispatched by the previous sweep
    assert stranded() == [rows["d"].pk, rows["a"].pk]  # oldest first
    assert set(stranded(older_than_seconds=0)) == {rows[n].pk for n in "abdf"}


@pytest.mark.django_db
def test_the_sweeper_query_can_use_the_partial_index(postgres):
    from magiclinks.notifications import sweeper

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = sweeper.stranded_rows().explain()
    assert "notification_pending" in plan


def test_beat_schedules_the_sweeper_every_minute(settings):
    import magiclinks.tasks  # noqa: F401  (the module Celery autodiscovers)
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["redispatch-pending-notifications"]
    assert entry["task"] in app.tasks and entry["schedule"] == 60
    assert "magiclinks.notifications.send_notification" in app.tasks
