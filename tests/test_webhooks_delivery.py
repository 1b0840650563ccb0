"""webhooks.delivery against a real local HTTP receiver: signed POST, retries after 500s with
the documented schedule, given up and audited, a hanging receiver times out without holding the
row's lock, and the connection goes to the checked address with the name in Host."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from webhooks import delivery, schedule, services, signing
from webhooks.delivery import Outcome
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .webhook_receiver import Receiver
from .webhook_support import TEST_ACTOR, endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)


def _queued(partner, url: str) -> tuple[WebhookDelivery, str]:
    endpoint, secret = endpoint_for(partner, url)
    return services.send_test(endpoint), secret


def _make_due(row: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_delivery_is_signed_and_marked_delivered(make, local_targets):
    with Receiver() as receiver:
        row, secret = _queued(make.partner(), receiver.url)
        assert delivery.attempt(row.pk) == (Outcome.DELIVERED, None)
    (request,) = receiver.received
    assert request.path == "/hooks/linkgate?source=test"
    assert request.headers["Linkgate-Event"] == "webhook.test"
    assert request.headers["Linkgate-Delivery"] == str(row.pk)
    assert request.headers["Host"] == f"127.0.0.1:{receiver.server.server_port}"
    assert signing.verify(secret, request.body, request.headers["Linkgate-Signature"])
    assert not signing.verify(secret + "x", request.body, request.headers["Linkgate-Signature"])
    assert json.loads(request.body) == row.payload
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == ("delivered", 1, 200)
    # A duplicate task for a delivered row sends nothing.
    assert delivery.attempt(row.pk) == (Outcome.SKIPPED, None)
    assert len(receiver.received) == 1


def test_500s_are_retried_on_the_schedule_then_delivered(make, local_targets):
    with Receiver(responses=[500, 503, 200]) as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        before = timezone.now()
        assert delivery.attempt(row.pk) == (Outcome.RETRY, 30)
        row.refresh_from_db()
        assert (row.status, row.last_response_code, row.last_error) == ("pending", 500, "HTTP 500")
        assert row.next_attempt_at >= before + timedelta(seconds=30)
        # Not due yet: a task that arrives early does nothing.
        assert delivery.attempt(row.pk) == (Outcome.SKIPPED, None)
        _make_due(row)
        assert delivery.attempt(row.pk) == (Outcome.RETRY, 60)
        _make_due(row)
        assert delivery.attempt(row.pk) == (Outcome.DELIVERED, None)
    assert len(receiver.received) == 3
    # Every attempt is signed anew (a fresh timestamp), the body is the same.
    assert len({r.body for r in receiver.received}) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 3)


def test_after_the_last_attempt_the_delivery_fails_and_is_audited(make, local_targets):
    local_targets.WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(responses=[500]) as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        assert delivery.attempt(row.pk)[0] == Outcome.RETRY
        _make_due(row)
        assert delivery.attempt(row.pk) == (Outcome.FAILED, None)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == ("failed", 2, 500)
    (event,) = AuditEvent.objects.filter(event="webhook.delivery_failed")
    assert event.partner_id == row.partner_id
    assert event.details["delivery_id"] == row.pk and event.details["attempts"] == 2


def test_the_default_schedule_retries_for_about_a_day(settings):
    delays = [schedule.delay_after(n) for n in range(1, settings.WEBHOOK_MAX_ATTEMPTS)]
    assert delays[:4] == [30, 60, 120, 240] and delays[-1] == 6 * 3600
    assert 22 * 3600 <= schedule.total_seconds() <= 30 * 3600


def test_a_hanging_receiver_times_out_without_holding_the_row(make, local_targets):
    with Receiver(hang=True) as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        result: dict = {}

        def attempt() -> None:
            try:
                started = time.monotonic()
                result["outcome"] = delivery.attempt(row.pk)
                result["seconds"] = time.monotonic() - started
            finally:
                connection.close()

        thread = threading.Thread(target=attempt)
        thread.start()
        deadline = time.monotonic() + 5
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.received, "the request never reached the receiver"
        # While the request hangs, the row is not locked: another worker could read and
        # update it at once (NOWAIT would raise if a transaction held it).
        with transaction.atomic():
            rows = WebhookDelivery.objects.select_for_update(nowait=True).filter(pk=row.pk)
            assert list(rows.values_list("pk", flat=True)) == [row.pk]
        thread.join(timeout=10)
    assert result["outcome"] == (Outcome.RETRY, 30)
    assert result["seconds"] < 3  # the 1 s timeout, not the receiver's 30 s
    row.refresh_from_db()
    assert row.status == "pending" and row.last_error.startswith("timeout")


def test_a_refused_target_is_a_failed_attempt_and_nothing_is_sent(make, local_targets):
    with Receiver() as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        local_targets.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # e.g. DNS now points inside
        assert delivery.attempt(row.pk)[0] == Outcome.RETRY
    assert receiver.received == []
    row.refresh_from_db()
    assert row.last_error.startswith("refused: the host resolves to a private")


def test_a_disabled_endpoint_fails_its_pending_delivery(make, local_targets):
    with Receiver() as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        services.update_endpoint(row.endpoint, actor=TEST_ACTOR, enabled=False)
        assert delivery.attempt(row.pk) == (Outcome.FAILED, None)
    assert receiver.received == []


def test_an_endpoint_deleted_during_the_request_ends_the_attempt_quietly(
    make, local_targets, monkeypatch
):
    with Receiver() as receiver:
        row, _ = _queued(make.partner(), receiver.url)
        send = delivery._send

        def send_then_delete(claimed):
            result = send(claimed)
            # Deleted elsewhere (the admin, the API): another copy of the row.
            endpoint = WebhookEndpoint.objects.get(pk=claimed.endpoint_id)
            services.delete_endpoint(endpoint, actor=TEST_ACTOR)
            return result

        monkeypatch.setattr(delivery, "_send", send_then_delete)
        assert delivery.attempt(row.pk) == (Outcome.SKIPPED, None)
    assert len(receiver.received) == 1 and not WebhookDelivery.objects.exists()
