"""Webhooks with real parts: a `celery -A config worker` subprocess on the real Redis broker and
the PostgreSQL test database, delivering to real local receivers. With the broker down at
commit nothing is lost (the sweeper hands the row over later, delivered once despite duplicate
messages); a receiver that hangs costs the worker one timeout, and the next delivery goes on."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record
from webhooks import services
from webhooks.attempt_task import deliver_webhook
from webhooks.models import WebhookDelivery
from webhooks.sweeper import redispatch_due_webhooks

from .test_notifications_worker import (
    DEAD_BROKER,
    broker,
    celery_worker,
    purge_queue,
    queued_messages,
    wait_for,
)
from .webhook_receiver import Receiver
from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "WEBHOOK_ALLOW_HTTP": "true",
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "1",
}


@pytest.fixture
def worker_setup(postgres, redis_cache, local_targets, tmp_path):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("REDIS_URL is set but Celery is eager; these tests need a real broker")
    purge_queue()
    (tmp_path / "mail").mkdir()
    yield tmp_path / "mail", tmp_path / "worker.log"
    purge_queue()


def _status(row) -> str:
    return WebhookDelivery.objects.get(pk=row.pk).status


def test_broker_down_at_commit_loses_nothing_and_doubles_nothing(worker_setup, make):
    mail_dir, log_path = worker_setup
    partner = make.partner()
    account = make.account(partner=partner)
    with Receiver() as receiver, Receiver() as sentinel_receiver:
        endpoint_for(partner, receiver.url, events=["login_link.redeemed"])
        with broker(DEAD_BROKER):
            started = time.monotonic()
            with transaction.atomic():
                record(
                    "login_link.redeemed",
                    actor=Actor.user(account.users.get()),
                    partner=partner.pk,
                    account=account.pk,
                )
            assert time.monotonic() - started < 3  # the commit did not wait on the dead broker
        (row,) = WebhookDelivery.objects.all()
        assert (row.status, row.attempts) == ("pending", 0)
        assert queued_messages() == []

        # Later the beat task finds it (due for longer than WEBHOOK_PENDING_AFTER_SECONDS).
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=60))
        with celery_worker(mail_dir, log_path, **WORKER_ENV):
            redispatch_due_webhooks.delay()
            redispatch_due_webhooks.delay()  # a second beat tick
            deliver_webhook.delay(row.pk)  # and a stray duplicate message
            wait_for(lambda: _status(row) == "delivered", 60, log_path)
            # A sentinel queued last: once it arrives, the solo worker has handled every earlier
            # (duplicate) message, so a double delivery would already have been received.
            sentinel, _ = endpoint_for(make.partner(), sentinel_receiver.url)
            sentinel_row = services.send_test(sentinel)
            wait_for(lambda: _status(sentinel_row) == "delivered", 60, log_path)
        assert len(receiver.received) == 1
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("delivered", 1)


def test_a_hanging_receiver_does_not_block_the_worker(worker_setup, make):
    mail_dir, log_path = worker_setup
    with Receiver(hang=True) as hanging, Receiver() as healthy:
        stuck, _ = endpoint_for(make.partner(), hanging.url)
        fine, _ = endpoint_for(make.partner(), healthy.url)
        stuck_row = services.send_test(stuck)  # queued first: the solo worker takes it first
        fine_row = services.send_test(fine)
        with celery_worker(mail_dir, log_path, **WORKER_ENV):
            started = time.monotonic()
            wait_for(lambda: _status(fine_row) == "delivered", 30, log_path)
            elapsed = time.monotonic() - started
        assert hanging.received and len(healthy.received) == 1
        # One 1 s timeout (plus worker start-up polling), not the receiver's 30 s hang.
        assert elapsed < 15, f"the healthy delivery waited {elapsed:.1f}s"
        stuck_row.refresh_from_db()
        assert (stuck_row.status, stuck_row.attempts) == ("pending", 1)
        assert stuck_row.last_error.startswith("timeout")
