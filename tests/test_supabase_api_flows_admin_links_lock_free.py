"""supabase_api.flows.admin_links, lock-free: a link for an existing user outside any transaction
is one statement that finds the user by address, checks the flow's rules on the row, stamps it and
writes the link, or writes nothing and leaves it to the locked flow (real threads, PostgreSQL).

Each race test forces the interleaving: a second connection changes the user's row in an open
transaction, the statement queues on the row, and the holder commits. A statement that went on
would act on a row that no longer is the one its rules were checked against.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.models import LinkKind, LinkStatus, LoginLink
from supabase_api.flows import admin_links
from supabase_api.flows.errors import EmailExists, NoUserWithEmail
from tests import metrics_counts
from tests.pg_locks import while_held

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]
ADMIN = Actor.system("tests")
CONFIRMED = datetime(2026, 1, 1, tzinfo=UTC)


def _request(email: str, **fields) -> admin_links.LinkRequest:
    """A link request for `email`; `fields` name its type and the rest."""
    return admin_links.LinkRequest(email=email, redirect_to="", **fields)


def _magic_link(email: str):
    return admin_links.create_link(_request(email, type=LinkKind.MAGICLINK), actor=ADMIN)


def _first_words(statements: list[str]) -> list[str]:
    return [statement.lstrip()[:6] for statement in statements]


def test_an_existing_users_link_is_one_statement(make):
    user = make.user("kim@example.com", first_name="Kim")
    first = _magic_link(user.email)
    with CaptureQueriesContext(connection) as ctx:
        second = _magic_link(user.email)
    assert _first_words([q["sql"] for q in ctx.captured_queries]) == ["WITH b"]
    assert second.issued.invalidated_count == 1
    assert LoginLink.objects.get(pk=first.issued.link.pk).status == LinkStatus.INVALIDATED
    # The user the statement found, as stamped, is what the response shows.
    assert (second.user.pk, second.user.first_name) == (user.pk, "Kim")
    user.refresh_from_db()
    assert user.recovery_sent_at == second.user.recovery_sent_at  # stamped in the statement
    # The link and every event of the issue carry the user the statement found.
    assert LoginLink.objects.get(pk=second.issued.link.pk).user_id == user.pk
    events = AuditEvent.objects.filter(event__startswith="login_link.")
    assert {(e.event, e.user_id, e.user_email) for e in events} == {
        ("login_link.generated", user.pk, user.email),
        ("login_link.invalidated", user.pk, user.email),
    }


# Every refusal of an existing user (admin_links._prepare), performed: the one statement must
# write nothing for it (its rules, _eligible_sql, are the same as _prepare's), and the locked
# flow then raises the refusal. (user fields, link request fields, the refusal)
REFUSALS = {
    "staff": ({"is_staff": True}, {"type": LinkKind.MAGICLINK}, EmailExists),
    "superuser": ({"is_superuser": True}, {"type": LinkKind.RECOVERY}, NoUserWithEmail),
    "confirmed signup": (
        {"email_confirmed_at": CONFIRMED},
        {"type": LinkKind.SIGNUP, "password": "a long passphrase"},
        EmailExists,
    ),
    "confirmed invite": ({"email_confirmed_at": CONFIRMED}, {"type": LinkKind.INVITE}, EmailExists),
    "email change to a taken address": (
        {},
        {"type": LinkKind.EMAIL_CHANGE_NEW, "new_email": "taken@example.com"},
        EmailExists,
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_user_gets_nothing_from_the_statement_and_the_refusal_from_the_flow(make, case):
    fields, request_fields, refusal = REFUSALS[case]
    make.user("taken@example.com")
    user = make.user("kim@example.com", **fields)
    request = _request(email=user.email, **request_fields)

    assert admin_links._lock_free_link(request, actor=ADMIN) is None
    assert not LoginLink.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="login_link.").exists()
    with pytest.raises(refusal):
        admin_links.create_link(request, actor=ADMIN)
    assert not LoginLink.objects.exists()
    assert User.objects.get(pk=user.pk).recovery_sent_at is None  # no stamp stayed behind


# The same kinds for a user the rules accept: one statement each.
ACCEPTED = {
    "magic link": ({}, {"type": LinkKind.MAGICLINK}),
    "recovery": ({}, {"type": LinkKind.RECOVERY}),
    "unconfirmed signup": ({}, {"type": LinkKind.SIGNUP, "password": "a long passphrase"}),
    "unconfirmed invite": ({}, {"type": LinkKind.INVITE}),
    "confirmed magic link": ({"email_confirmed_at": CONFIRMED}, {"type": LinkKind.MAGICLINK}),
    "email change to a free address": (
        {},
        {"type": LinkKind.EMAIL_CHANGE_NEW, "new_email": "free@example.com"},
    ),
    "email change to the own address": (
        {},
        {"type": LinkKind.EMAIL_CHANGE_CURRENT, "new_email": "kim@example.com"},
    ),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_an_accepted_user_gets_the_link_from_the_statement(make, case):
    fields, request_fields = ACCEPTED[case]
    make.user("taken@example.com")
    user = make.user("kim@example.com", **fields)
    generated = admin_links._lock_free_link(
        _request(email=user.email, **request_fields), actor=ADMIN
    )
    assert generated is not None
    assert generated.user.pk == user.pk
    assert LoginLink.objects.get().user_id == user.pk


def test_an_unknown_address_is_left_to_the_locked_flow(make):
    request = _request("new@example.com", type=LinkKind.MAGICLINK)
    assert admin_links._lock_free_link(request, actor=ADMIN) is None
    generated = admin_links.create_link(request, actor=ADMIN)  # a signup, as Supabase
    assert generated.verification_type == LinkKind.SIGNUP
    assert LoginLink.objects.get().user_id == User.objects.get(email="new@example.com").pk


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


def test_the_issued_counter_moves_once_per_link_written(make):
    # /metrics counts a link once it is written: not for the lock-free statement that wrote
    # nothing (a new address, a refusal), and once when the locked flow then writes it.
    make.user("staff@example.com", is_staff=True)
    make.user("kim@example.com")
    magic = metrics_counts.issued(LinkKind.MAGICLINK)
    signup = metrics_counts.issued(LinkKind.SIGNUP)

    _magic_link("kim@example.com")  # the statement writes it
    _magic_link("new@example.com")  # a signup, written by the locked flow
    with pytest.raises(EmailExists):
        _magic_link("staff@example.com")  # refused: written by neither

    assert metrics_counts.issued(LinkKind.MAGICLINK) == magic + 1
    assert metrics_counts.issued(LinkKind.SIGNUP) == signup + 1
