"""webhooks.expiry: a partner link that expired unused gets one `login_link.expired` event (and
so one webhook per subscribed endpoint), however many times or concurrently the task runs."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LoginLink
from webhooks.expiry import report_expired
from webhooks.models import WebhookDelivery

from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]


def _link(account, *, expired_seconds_ago: int):
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    expires_at = timezone.now() - timedelta(seconds=expired_seconds_ago)
    LoginLink.objects.filter(pk=issued.link.pk).update(expires_at=expires_at)
    return issued.link


@pytest.mark.django_db
def test_each_expired_unused_link_is_reported_once(make, local_targets):
    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/hook", events=["login_link.expired"])
    expired = _link(make.account(partner=partner), expired_seconds_ago=10)
    used = _link(make.account(partner=partner), expired_seconds_ago=10)
    LoginLink.objects.filter(pk=used.pk).update(used_at=timezone.now() - timedelta(minutes=5))
    _link(make.account(partner=partner), expired_seconds_ago=-600)  # still active
    _link(make.account(partner=partner), expired_seconds_ago=3 * 86400)  # before the lookback

    assert report_expired() == 1
    assert report_expired() == 0
    (event,) = AuditEvent.objects.filter(event="login_link.expired")
    assert event.link_id == expired.pk and event.partner_id == partner.pk
    (row,) = WebhookDelivery.objects.all()
    assert row.event_type == "login_link.expired"
    assert row.payload["data"]["link_id"] == str(expired.pk)
    expires_at = LoginLink.objects.get(pk=expired.pk).expires_at
    assert row.payload["data"]["expired_at"] == expires_at.isoformat()


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_report_each_link_once(postgres, make):
    partner = make.partner()
    links = [_link(make.account(partner=partner), expired_seconds_ago=5) for _ in range(20)]
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(report_expired())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(counts) == 20
    reported = AuditEvent.objects.filter(event="login_link.expired")
    assert sorted(str(e.link_id) for e in reported) == sorted(str(link.pk) for link in links)
