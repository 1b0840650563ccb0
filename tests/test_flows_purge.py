"""magiclinks.flows.purge and its beat task: only links expired for longer than the configured
number of days are deleted, in batches of short transactions, and the audit log keeps their
history (events keep their link ids)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks import tasks
from magiclinks.flows.issue import issue_link
from magiclinks.flows.purge import purge_expired_links
from magiclinks.models import LinkKind, LoginLink

DAY = timedelta(days=1)


def _link(make, account, *, expired_days_ago: float | None) -> LoginLink:
    issued = issue_link(
        user=make.member(account),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    if expired_days_ago is not None:
        expires_at = timezone.now() - timedelta(days=expired_days_ago)
        LoginLink.objects.filter(pk=issued.link.pk).update(expires_at=expires_at)
    return issued.link


def _deletes_on_links(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("DELETE") and '"magiclinks_loginlink"' in q["sql"].split("WHERE")[0]
    ]


@pytest.mark.django_db
def test_only_links_expired_longer_than_the_cutoff_are_deleted(make):
    account = make.account()
    old = [_link(make, account, expired_days_ago=31) for _ in range(3)]
    recent = _link(make, account, expired_days_ago=29)
    active = _link(make, account, expired_days_ago=None)
    assert purge_expired_links(older_than_days=30) == 3
    remaining = set(LoginLink.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, active.pk}
    # History survives: the generation events of the purged links are still there.
    for link in old:
        assert AuditEvent.objects.filter(link_id=link.pk, event="login_link.generated").exists()


@pytest.mark.django_db
def test_purge_works_in_batches(make):
    account = make.account()
    for _ in range(7):
        _link(make, account, expired_days_ago=40)
    with CaptureQueriesContext(connection) as ctx:
        assert purge_expired_links(older_than_days=30, batch_size=3) == 7
    assert len(_deletes_on_links(ctx.captured_queries)) == 3  # 3 + 3 + 1
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_max_batches_bounds_one_run(make):
    account = make.account()
    for _ in range(5):
        _link(make, account, expired_days_ago=40)
    assert purge_expired_links(older_than_days=30, batch_size=2, max_batches=2) == 4
    assert LoginLink.objects.count() == 1
    assert purge_expired_links(older_than_days=30, batch_size=2) == 1


@pytest.mark.django_db
def test_the_beat_task_uses_the_configured_age(make, settings):
    settings.LINK_PURGE_AFTER_DAYS = 7
    settings.LINK_PURGE_BATCH_SIZE = 2
    account = make.account()
    eight = _link(make, account, expired_days_ago=8)
    six = _link(make, account, expired_days_ago=6)
    assert tasks.purge_expired_links() == 1
    assert not LoginLink.objects.filter(pk=eight.pk).exists()
    assert LoginLink.objects.filter(pk=six.pk).exists()


def test_the_purge_is_scheduled_by_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-links"]
    assert entry["task"] == "magiclinks.tasks.purge_expired_links"
    assert settings.LINK_PURGE_AFTER_DAYS == 30  # the default the issue asks for
