"""The outbox with real parts: a `celery -A config worker` subprocess on the real Redis broker and
the PostgreSQL test database, writing email files. The email arrives with a working link and the
broker messages carry ids only; with the broker unreachable, links are still issued quickly and
every row stays pending, then the beat task re-dispatches them and each is sent exactly once
(even with duplicate dispatches)."""

import email
import email.policy
import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from config.celery import app as celery_app
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind, Notification
from magiclinks.notifications.outbox import queue_link_email
from magiclinks.notifications.sweeper import redispatch_pending_notifications
from magiclinks.notifications.tasks import send_notification

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BASE_DIR = Path(settings.BASE_DIR)
LINK = re.compile(r"http://127\.0\.0\.1:8000/auth/partner-login/([A-Za-z0-9_-]{43})")
DEAD_BROKER = "redis://127.0.0.1:1/5"  # nothing listens on port 1: connection refused at once
READY_TIMEOUT = 60
MAIL_TIMEOUT = 60


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@contextmanager
def celery_worker(mail_dir: Path, log_path: Path, **extra_env: str):
    """A real worker process on the test database and broker; always terminated."""
    env = os.environ | {
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SECRET_KEY": settings.SECRET_KEY,  # the same key, so the worker can unseal the rows
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "CONN_MAX_AGE": "0",
    }
    env |= extra_env
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--loglevel", "INFO"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for(lambda: b" ready." in log_path.read_bytes(), READY_TIMEOUT, log_path)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_for(condition, timeout: float, log_path: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    log = log_path.read_text(errors="replace")[-3000:] if log_path else ""
    pytest.fail(f"timed out after {timeout}s\n{log}")


def read_emails(mail_dir: Path) -> list[email.message.EmailMessage]:
    """Every message the file backend wrote (one file per connection, separated by dashes)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@contextmanager
def broker(url: str):
    """Point this process's Celery producer at `url` (the worker keeps the real one)."""

    def reset():
        # Drop the cached pools only: kombu keeps one pool per broker URL and hands the original
        # back when the URL is restored.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = original
        reset()


def purge_queue() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")


def queued_messages() -> list[bytes]:
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.lrange("celery", 0, -1)


def issue_with_email(account) -> tuple:
    """What the Partner API does: link and outbox row in one transaction; dispatch on commit."""
    actor = Actor.partner(account.partner)
    with transaction.atomic():
        issued = issue_link(
            user=account.users.get(),
            kind=LinkKind.PARTNER_LOGIN,
            account=account,
            actor=actor,
            lifetime=timedelta(hours=2),
        )
        notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
    return issued, notification


@pytest.fixture
def real_worker_setup(postgres, redis_cache, tmp_path):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("REDIS_URL is set but Celery is eager; these tests need a real broker")
    purge_queue()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    yield mail_dir, tmp_path / "worker.log"
    purge_queue()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_with_a_working_link(real_worker_setup, make):
    mail_dir, log_path = real_worker_setup
    account = make.account()
    issued, notification = issue_with_email(account)

    # Published on commit, before any worker runs: the broker holds the row id and no secret.
    (raw,) = queued_messages()
    assert str(notification.pk).encode() in raw
    assert issued.secret.encode() not in raw

    with celery_worker(mail_dir, log_path):
        (message,) = wait_for(lambda: read_emails(mail_dir), MAIL_TIMEOUT, log_path)
        notification.refresh_from_db()
        wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "sent", 10)

    assert message["To"] == issued.link.user.email
    assert message["Subject"].startswith("Your login link for")
    (secret,) = LINK.findall(text_of(message))
    assert secret == issued.secret
    assert LINK.search(message.get_body(("html",)).get_content())
    assert issued.secret not in log_path.read_text(errors="replace")
    row = Notification.objects.get(pk=notification.pk)
    assert row.status == "sent" and row.attempts == 1 and row.encrypted_secret is None
    # The emailed link works.
    assert redeem_secret(secret, kinds=[LinkKind.PARTNER_LOGIN]).ok


@pytest.mark.django_db(transaction=True)
def test_broker_down_loses_nothing_and_doubles_nothing(real_worker_setup, make):
    mail_dir, log_path = real_worker_setup
    accounts = [make.account() for _ in range(5)]

    with broker(DEAD_BROKER):
        started = time.monotonic()
        issued = [issue_with_email(account) for account in accounts]
        elapsed = time.monotonic() - started
    # Issuing did not fail and did not wait on the dead broker for long.
    assert elapsed < 5, f"5 issues took {elapsed:.1f}s with the broker down"
    rows = Notification.objects.filter(pk__in=[n.pk for _, n in issued])
    assert sorted(rows.values_list("status", "attempts")) == [("pending", 0)] * 5
    assert queued_messages() == []

    # A minute and a half later the beat task finds them (its default threshold is one minute).
    past = timezone.now() - timedelta(seconds=90)
    rows.update(created_at=past, updated_at=past)
    with celery_worker(mail_dir, log_path):
        redispatch_pending_notifications.delay()
        redispatch_pending_notifications.delay()  # a second beat tick while the first is running
        for _, notification in issued:  # and stray duplicates of every task message
            send_notification.delay(notification.pk)
        wait_for(lambda: len(read_emails(mail_dir)) >= 5, MAIL_TIMEOUT, log_path)
        # A sentinel queued last: once it is mailed, the solo worker has worked through all the
        # earlier (duplicate) messages, so any double would already be on disk.
        sentinel, _ = issue_with_email(make.account())
        wait_for(
            lambda: any(sentinel.secret in text_of(m) for m in read_emails(mail_dir)),
            MAIL_TIMEOUT,
            log_path,
        )

    messages = read_emails(mail_dir)
    assert len(messages) == 6
    secrets = sorted(LINK.findall(text_of(m))[0] for m in messages)
    assert secrets == sorted([i.secret for i, _ in issued] + [sentinel.secret])
    assert sorted(rows.values_list("status", "attempts")) == [("sent", 1)] * 5
    sent_events = AuditEvent.objects.filter(event="notification.sent")
    assert sent_events.count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_failing_mailer_is_retried_with_backoff_then_given_up(real_worker_setup, make):
    mail_dir, log_path = real_worker_setup
    not_a_directory = mail_dir / "file"
    not_a_directory.write_text("the file backend refuses a path that is not a directory")
    issued, notification = issue_with_email(make.account())
    started = time.monotonic()
    with celery_worker(
        not_a_directory,
        log_path,
        NOTIFICATION_MAX_ATTEMPTS="3",
        NOTIFICATION_RETRY_BASE_SECONDS="1",
        NOTIFICATION_RETRY_MAX_SECONDS="2",
    ):
        wait_for(
            lambda: Notification.objects.get(pk=notification.pk).status == "failed",
            MAIL_TIMEOUT,
            log_path,
        )
    row = Notification.objects.get(pk=notification.pk)
    assert row.attempts == 3 and row.encrypted_secret is None
    assert row.last_error.startswith("InvalidMailer")
    log = log_path.read_text(errors="replace")
    assert log.count("retry: Retry in") == 2  # two scheduled retries, each with a countdown
    assert issued.secret not in log
    assert AuditEvent.objects.get(event="notification.failed").details["reason"] == (
        "attempts_exhausted"
    )
    assert time.monotonic() - started < MAIL_TIMEOUT + READY_TIMEOUT
