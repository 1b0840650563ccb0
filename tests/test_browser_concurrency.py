"""Simultaneous clicks on PostgreSQL (real threads, real transactions): one link pressed in many
tabs signs in exactly once; two members signing in at once activate the account exactly once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from accounts.models import AccountStatus, MembershipRole
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind

pytestmark = pytest.mark.django_db(transaction=True)
HOUR = timedelta(hours=1)


def _link(account, user):
    return issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.system(),
        lifetime=HOUR,
    )


def _post_together(paths: list[str]) -> list[int]:
    barrier = threading.Barrier(len(paths))
    statuses: list[int] = []

    def click(path: str) -> None:
        try:
            barrier.wait()
            statuses.append(Client().post(path).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_one_link_many_tabs_signs_in_once(make, postgres):
    account = make.account()
    issued = _link(account, account.users.get())
    statuses = _post_together([f"/auth/partner-login/{issued.secret}"] * 12)
    assert sorted(statuses) == [303] + [410] * 11
    assert AuditEvent.objects.filter(event="login_link.redeemed").count() == 1
    assert AuditEvent.objects.filter(event="account.activated").count() == 1


def test_two_members_at_once_activate_once(make, postgres):
    account = make.account()
    spouse = make.member(account, role=MembershipRole.SPOUSE)
    links = [_link(account, account.memberships.get(role="primary").user), _link(account, spouse)]
    statuses = _post_together([f"/auth/partner-login/{link.secret}" for link in links])
    assert statuses == [303, 303]
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert AuditEvent.objects.filter(event="account.activated", account_id=account.pk).count() == 1
