"""magiclinks.flows.issue: creating links, invalidating earlier ones, never storing secrets."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from audit import context as audit_context
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import invalidate_open_links, issue_link
from magiclinks.models import LinkKind, LinkStatus, LoginLink

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def partner_link(account, user, **kwargs):
    return issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=kwargs.pop("lifetime", HOUR),
        **kwargs,
    )


def test_issue_returns_secret_once_and_stores_only_its_digest(make):
    account = make.account()
    user = account.users.get()
    issued = partner_link(account, user, with_otp=True)

    row = LoginLink.objects.get(pk=issued.link.pk)
    assert row.status == LinkStatus.ACTIVE
    # Search every column of the stored row for the secret and the OTP.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM magiclinks_loginlink")
        stored = [str(value) for value in cursor.fetchone()]
    assert stored
    assert not any(issued.secret in value for value in stored)
    assert not any(issued.otp in value for value in stored)
    # …and every audit column too.
    for event in AuditEvent.objects.all():
        assert issued.secret not in str(event.__dict__)


def test_issue_invalidates_and_counts_the_users_open_links_of_the_same_account(make):
    account = make.account()
    user = account.users.get()
    first = partner_link(account, user)
    second = partner_link(account, user)
    assert first.invalidated_count == 0
    assert second.invalidated_count == 1
    third = partner_link(account, user)
    assert third.invalidated_count == 1  # only the still-open one
    first.link.refresh_from_db()
    assert first.link.status == LinkStatus.INVALIDATED
    assert first.link.invalidation_reason == "superseded"
    assert LoginLink.objects.active().filter(user=user).count() == 1


def test_links_on_other_accounts_and_used_or_expired_links_are_not_counted(make):
    user = make.user()
    account_a = make.account(primary=user)
    account_b = make.account(primary=make.user())
    partner_link(account_b, user)
    expired = partner_link(account_a, user)
    LoginLink.objects.filter(pk=expired.link.pk).update(expires_at=expired.link.created_at)
    assert partner_link(account_a, user).invalidated_count == 0
    assert LoginLink.objects.active().filter(user=user).count() == 2


def test_admin_kinds_supersede_within_their_group(make):
    user = make.user()
    actor = Actor.system("test")
    magic = issue_link(user=user, kind=LinkKind.MAGICLINK, actor=actor, lifetime=HOUR)
    signup = issue_link(user=user, kind=LinkKind.SIGNUP, actor=actor, lifetime=HOUR)
    recovery = issue_link(user=user, kind=LinkKind.RECOVERY, actor=actor, lifetime=HOUR)
    assert signup.invalidated_count == 0  # confirmation group, separate from magiclink
    assert recovery.invalidated_count == 1  # recovery replaces the magic link
    magic.link.refresh_from_db()
    assert magic.link.status == LinkStatus.INVALIDATED


def test_issue_writes_audit_events_with_the_change(make):
    account = make.account()
    user = account.users.get()
    partner_link(account, user, purpose="initial_access")
    issued = partner_link(account, user, purpose="support_request")
    events = list(AuditEvent.objects.for_account(account.pk).values_list("event", flat=True))
    assert events.count("login_link.generated") == 2
    assert events.count("login_link.invalidated") == 1
    generated = AuditEvent.objects.filter(link_id=issued.link.pk).get()
    assert generated.actor_type == "partner"
    assert generated.details["purpose"] == "support_request"
    assert generated.details["previous_links_invalidated"] == 1


def test_the_superseding_event_carries_the_issue_s_actor_references_and_request(make):
    """The "invalidated" event takes its shared columns from the "generated" one in the
    statement (_ISSUE_SQL): every one of them, and its own link, time and details."""
    account = make.account()
    user = account.users.get()
    first = partner_link(account, user)
    token = audit_context.activate(audit_context.RequestContext("203.0.113.7", "curl/8", "req-42"))
    try:
        second = partner_link(account, user)
    finally:
        audit_context.deactivate(token)
    generated = AuditEvent.objects.get(event="login_link.generated", link_id=second.link.pk)
    invalidated = AuditEvent.objects.get(event="login_link.invalidated")
    shared = [
        "actor_type", "actor_id", "actor_label", "partner_id", "account_id", "user_id",
        "user_email", "ip_address", "user_agent", "request_id",
    ]  # fmt: skip
    assert [getattr(invalidated, name) for name in shared] == [
        "partner", str(account.partner.pk), account.partner.name, account.partner_id,
        account.pk, user.pk, user.email, "203.0.113.7", "curl/8", "req-42",
    ]  # fmt: skip
    assert [getattr(generated, name) for name in shared] == [
        getattr(invalidated, name) for name in shared
    ]
    assert invalidated.link_id == first.link.pk
    assert invalidated.details == {"reason": "superseded", "replaced_by": str(second.link.pk)}
    assert invalidated.occurred_at >= generated.occurred_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's")
def test_the_issue_statement_stays_within_psycopg_s_cached_query_bounds():
    """psycopg caches a query's conversion only up to 50 parameters and 4,096 bytes; above
    them it re-parses the statement on every issue (0.6 ms per request, profiled)."""
    from psycopg import _queries

    from audit.inserts import _fields
    from magiclinks.flows.issue import ACCOUNT, LOCK_FREE, LOCKED, PERSON, _issue_sql

    def columns(model):
        return tuple(field.column for field in _fields(model))

    from supabase_api.flows.admin_links import _eligible_sql

    stamps = ("new_email", "email_change_sent_at")  # the most an Admin API link stamps
    longest = _eligible_sql(LinkKind.EMAIL_CHANGE_NEW)  # and the longest condition it sets
    for bump in [(row, how) for row in (ACCOUNT, PERSON) for how in (LOCKED, LOCK_FREE)]:
        stamped = stamps if bump[0] == PERSON else ()
        condition = longest if bump == (PERSON, LOCK_FREE) else "TRUE"
        sql = _issue_sql("magiclinks_loginlink", columns(LoginLink), "audit_auditevent",
                         columns(AuditEvent), bump, stamped, condition)  # fmt: skip
        assert sql.count("%s") <= _queries.MAX_CACHED_STATEMENT_PARAMS, bump
        assert len(sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH, bump


def test_nothing_is_written_when_the_surrounding_transaction_rolls_back(make):
    account = make.account()
    user = account.users.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        partner_link(account, user)
        raise RuntimeError("the request failed after issuing")
    assert LoginLink.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_partner_links_need_an_account(make):
    with pytest.raises(ValueError):
        issue_link(
            user=make.user(), kind=LinkKind.PARTNER_LOGIN, actor=Actor.system(), lifetime=HOUR
        )


def test_invalidate_open_links_by_scope(make):
    user = make.user()
    actor = Actor.system("test")
    issue_link(user=user, kind=LinkKind.MAGICLINK, actor=actor, lifetime=HOUR)
    keep = issue_link(user=user, kind=LinkKind.SIGNUP, actor=actor, lifetime=HOUR)
    assert (
        invalidate_open_links(user=user, actor=actor, reason="user_changed", scopes=["recovery"])
        == 1
    )
    assert LoginLink.objects.active().get(user=user).pk == keep.link.pk
