"""magiclinks.flows.issue's lock-free statement: a partner link issued outside any transaction is
one statement that takes the account's lock itself, and writes nothing when another issue for
the account committed after its snapshot was taken (real threads, PostgreSQL).

Each race test forces the interleaving instead of hoping for it: a second connection holds the
account's row (an issue the locked way, or a suspension) in an open transaction, the lock-free
issue starts (its snapshot taken then) and queues on the row, and the holder commits. A statement
that went on with its snapshot would leave the holder's link active beside its own, or issue a
link on a suspended account.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, AccountStatus
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.errors import AccountSuspended
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LinkStatus, LoginLink
from tests import metrics_counts
from tests.pg_locks import while_held

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]
HOUR = timedelta(hours=1)


def _issue(account, **kwargs):
    return issue_link(
        user=account.person,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=HOUR,
        **kwargs,
    )


def _account(make) -> Account:
    account = make.account()
    account.person = account.users.get()  # read once, outside the statements counted
    return account


def test_outside_a_transaction_a_partner_link_is_one_statement(make):
    account = _account(make)
    first = _issue(account)
    with CaptureQueriesContext(connection) as ctx:
        second = _issue(account)
    assert [query["sql"].lstrip()[:4] for query in ctx.captured_queries] == ["WITH"]
    assert second.invalidated_count == 1
    first.link.refresh_from_db()
    assert first.link.status == LinkStatus.INVALIDATED
    assert LoginLink.objects.active().get().pk == second.link.pk
    generated = AuditEvent.objects.get(event="login_link.generated", link_id=second.link.pk)
    assert generated.details["previous_links_invalidated"] == 1
    assert AuditEvent.objects.get(event="login_link.invalidated").link_id == first.link.pk


def test_an_issue_committed_after_the_snapshot_sends_it_the_locked_way(make):
    account = _account(make)
    earliest = _issue(account)

    results = while_held(lambda: _issue(account), lambda: _issue(account))

    held, late = results["held"], results["then"]
    assert not isinstance(late, BaseException), late
    # Its snapshot had only the earliest link open: going on with it would have superseded
    # that one and left the held issue's link active beside its own.
    assert late.invalidated_count == 1  # the held issue's link (which superseded the earliest)
    assert [statement.lstrip()[:4] for statement in results["statements"]] == [
        "WITH",  # lock-free: wrote nothing
        "BEGI",
        "SELE",  # the account's and the person's rows locked
        "WITH",
        "COMM",
    ]
    assert LoginLink.objects.active().get().pk == late.link.pk
    assert LoginLink.objects.get(pk=held.link.pk).status == LinkStatus.INVALIDATED
    assert LoginLink.objects.get(pk=earliest.link.pk).status == LinkStatus.INVALIDATED
    # Nothing of the first attempt was written: one event per link issued or superseded.
    assert AuditEvent.objects.filter(event="login_link.generated").count() == 3
    assert AuditEvent.objects.filter(event="login_link.invalidated").count() == 2


def test_a_suspension_committed_while_it_waited_refuses_the_link(make):
    account = _account(make)
    stale = Account.objects.get(pk=account.pk)  # read before the suspension, as a lookup would
    stale.person = account.person

    def suspend() -> None:
        Account.objects.filter(pk=account.pk).update(status=AccountStatus.SUSPENDED)

    issued = metrics_counts.issued(LinkKind.PARTNER_LOGIN)
    results = while_held(suspend, lambda: _issue(stale, recheck_suspension=True))

    assert isinstance(results["then"], AccountSuspended)
    assert not LoginLink.objects.exists()
    assert not AuditEvent.objects.filter(event="login_link.generated").exists()
    # /metrics counts written links only: not the lock-free statement that wrote nothing.
    assert metrics_counts.issued(LinkKind.PARTNER_LOGIN) == issued


def test_a_lock_that_changed_nothing_lets_the_statement_through(make):
    # A transaction that only locked the account (a redemption does) inserted no link: the
    # row is the version the statement's snapshot read, so it writes at once.
    account = _account(make)
    _issue(account)

    def lock_only() -> None:
        list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk"))

    results = while_held(lock_only, lambda: _issue(account))

    assert not isinstance(results["then"], BaseException), results["then"]
    assert [statement.lstrip()[:4] for statement in results["statements"]] == ["WITH"]
    assert results["then"].invalidated_count == 1
    assert LoginLink.objects.active().get().pk == results["then"].link.pk


def test_inside_a_transaction_the_account_is_locked_first(make):
    account = _account(make)
    _issue(account)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        _issue(account)
    statements = [query["sql"].lstrip()[:4] for query in ctx.captured_queries]
    assert statements == ["SELE", "WITH"]
