"""magiclinks.notifications.backlog: pending emails and the age of the oldest, in one query,
and as /metrics shows them (read when Prometheus scrapes)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from magiclinks.models import Notification, NotificationStatus
from magiclinks.notifications.backlog import stats

pytestmark = pytest.mark.django_db


def _row(make, minutes_ago: int, status: str = NotificationStatus.PENDING) -> Notification:
    user = make.user()
    return Notification.objects.create(
        user=user,
        recipient=user.email,
        kind="magiclink",
        subject="s",
        status=status,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_an_empty_outbox_has_no_backlog():
    assert stats() == {"pending": 0, "oldest_age_seconds": 0.0}


def test_pending_rows_only_counted_with_the_oldest_age_in_one_query(make):
    _row(make, 5)
    _row(make, 1)
    _row(make, 60, status=NotificationStatus.SENT)
    with CaptureQueriesContext(connection) as queries:
        backlog = stats()
    assert len(queries) == 1
    assert backlog["pending"] == 2
    assert 299 <= backlog["oldest_age_seconds"] < 400


def test_metrics_shows_the_backlog_at_scrape_time(make, settings):
    settings.METRICS_TOKEN = "metrics-token-for-tests-0123456789"
    _row(make, 5)
    text = (
        Client()
        .get("/metrics", headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"})
        .content.decode()
    )
    assert "linkgate_outbox_pending 1.0" in text
    assert "linkgate_outbox_oldest_age_seconds" in text
    assert 'linkgate_backlog_up{backlog="outbox"} 1.0' in text
