"""webhooks.backlog.stats(): pending rows and the age of the oldest, for the metrics endpoint."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from webhooks import backlog, services
from webhooks.models import WebhookDelivery

from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


def test_an_empty_backlog(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert backlog.stats() == {"pending": 0, "oldest_age_seconds": 0.0}


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


def test_metrics_shows_the_webhook_backlog(make, local_targets, settings):
    settings.METRICS_TOKEN = "metrics-token-for-tests-0123456789"
    endpoint, _ = endpoint_for(make.partner(), "http://127.0.0.1:9/hook")
    services.send_test(endpoint)
    text = (
        Client()
        .get("/metrics", headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"})
        .content.decode()
    )
    assert "linkgate_webhooks_pending 1.0" in text
    assert "linkgate_webhooks_oldest_age_seconds" in text
    assert 'linkgate_backlog_up{backlog="webhooks"} 1.0' in text
