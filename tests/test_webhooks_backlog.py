"""webhooks.backlog.stats(): pending rows and the age of the oldest, for the metrics endpoint."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import backlog, services
from webhooks.models import WebhookDelivery

from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


def test_an_empty_backlog(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert backlog.stats() == {"pending": 0, "oldest_age_seconds": None}


def test_pending_rows_and_the_oldest_age(make, local_targets):
    endpoint, _ = endpoint_for(make.partner(), "http://127.0.0.1:9/hook")
    old, _new, done = (services.send_test(endpoint) for _ in range(3))
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    WebhookDelivery.objects.filter(pk=done.pk).update(
        status="delivered", created_at=timezone.now() - timedelta(days=2)
    )
    stats = backlog.stats()
    assert stats["pending"] == 2
    assert 7200 <= stats["oldest_age_seconds"] < 7260
