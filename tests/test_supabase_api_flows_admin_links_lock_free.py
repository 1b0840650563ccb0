"""supabase_api.flows.admin_links, lock-free: a link for an existing user outside any transaction
is one statement that stamps the user's row and writes only if that row is still the version the
flow read and checked (real threads, PostgreSQL).

Each race test forces the interleaving: a second connection changes the user's row in an open
transaction, the flow reads the old version, checks it, queues on the row, and the holder
commits. A statement that went on would act on checks made against a row that no longer is.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkKind, LinkStatus, LoginLink
from supabase_api.flows import admin_links
from supabase_api.flows.errors import EmailExists
from tests.pg_locks import while_held

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]
ADMIN = Actor.system("tests")


def _magic_link(email: str):
    request = admin_links.LinkRequest(type=LinkKind.MAGICLINK, email=email, redirect_to="")
    return admin_links.create_link(request, actor=ADMIN)


def _first_words(statements: list[str]) -> list[str]:
    return [statement.lstrip()[:6] for statement in statements]


def test_an_existing_users_link_is_one_statement_after_the_read(make):
    user = make.user("kim@example.com")
    first = _magic_link(user.email)
    with CaptureQueriesContext(connection) as ctx:
        second = _magic_link(user.email)
    assert _first_words([q["sql"] for q in ctx.captured_queries]) == ["SELECT", "WITH b"]
    assert second.issued.invalidated_count == 1
    assert LoginLink.objects.get(pk=first.issued.link.pk).status == LinkStatus.INVALIDATED
    user.refresh_from_db()
    assert user.recovery_sent_at == second.user.recovery_sent_at  # stamped in the statement


def test_a_user_made_staff_meanwhile_gets_no_link(make):
    # Security: the flow checked a row in which the user was not staff; the statement must not
    # issue on that check once the row has changed (a staff member's link opens /admin/).
    user = make.user("kim@example.com")

    def make_staff() -> None:
        User.objects.filter(pk=user.pk).update(is_staff=True)

    results = while_held(make_staff, lambda: _magic_link(user.email))

    assert isinstance(results["then"], EmailExists), results["then"]
    assert not LoginLink.objects.exists()


def test_a_link_issued_meanwhile_is_superseded_the_locked_way(make):
    user = make.user("kim@example.com")
    earliest = _magic_link(user.email)

    results = while_held(lambda: _magic_link(user.email), lambda: _magic_link(user.email))

    held, late = results["held"], results["then"]
    assert not isinstance(late, BaseException), late
    assert late.issued.invalidated_count == 1  # the held one (which superseded the earliest)
    assert "BEGIN" in results["statements"]  # the lock-free statement wrote nothing
    active = LoginLink.objects.active().filter(user=user)
    assert [link.pk for link in active] == [late.issued.link.pk]
    assert LoginLink.objects.get(pk=held.issued.link.pk).status == LinkStatus.INVALIDATED
    assert LoginLink.objects.get(pk=earliest.issued.link.pk).status == LinkStatus.INVALIDATED
