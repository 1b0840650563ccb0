"""webhooks.sweeper: due pending rows are handed to the broker again (id only), touched so the
next sweep leaves them alone; with the broker down they stay pending for the next run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import services, sweeper
from webhooks.models import WebhookDelivery

from .test_notifications_worker import DEAD_BROKER, broker, purge_queue, queued_messages
from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


def test_due_rows_are_redispatched_once_and_not_while_the_broker_is_down(
    make, local_targets, redis_cache
):
    endpoint, secret = endpoint_for(make.partner(), "http://127.0.0.1:9/hook")
    stranded, _recent, delivered = (services.send_test(endpoint) for _ in range(3))
    long_ago = timezone.now() - timedelta(minutes=5)
    WebhookDelivery.objects.filter(pk__in=[stranded.pk, delivered.pk]).update(
        next_attempt_at=long_ago
    )
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status="delivered")
    assert sweeper.due() == [stranded.pk]  # `recent` is within the grace period
    purge_queue()
    with broker(DEAD_BROKER):
        assert sweeper.redispatch_due() == 0
    assert sweeper.due() == [stranded.pk]
    assert sweeper.redispatch_due() == 1
    (message,) = queued_messages()
    assert str(stranded.pk).encode() in message and secret.encode() not in message
    assert b"webhook.test" not in message  # the payload stays in the database
    assert sweeper.due() == []  # touched: the next sweep waits for the grace period again
    purge_queue()
