"""webhooks.attempt_task: a failed attempt due again soon is retried through Celery (countdown);
one hours away is left to the sweeper; a delivered row needs nothing more."""

import pytest
from celery.exceptions import Retry

from webhooks import services
from webhooks.attempt_task import deliver_webhook

from .webhook_receiver import Receiver
from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


def test_a_soon_retry_goes_through_celery_and_a_late_one_to_the_sweeper(make, local_targets):
    with Receiver(responses=[500]) as receiver:
        endpoint, _ = endpoint_for(make.partner(), receiver.url)
        soon = services.send_test(endpoint)
        with pytest.raises(Retry):  # countdown 30 s ≤ WEBHOOK_RETRY_KICK_MAX_SECONDS
            deliver_webhook(soon.pk)
        local_targets.WEBHOOK_RETRY_KICK_MAX_SECONDS = 10
        late = services.send_test(endpoint)
        assert deliver_webhook(late.pk) == "retry"  # no Celery retry: the row says when
    assert len(receiver.received) == 2


def test_a_delivered_row_returns_delivered(make, local_targets):
    with Receiver() as receiver:
        endpoint, _ = endpoint_for(make.partner(), receiver.url)
        assert deliver_webhook(services.send_test(endpoint).pk) == "delivered"
        assert deliver_webhook(999_999) == "skipped"
