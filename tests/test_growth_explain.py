"""The hot lookups stay indexed as the tables grow (PostgreSQL only): after seeding 20,000 audit
events and 20,000 links across 200 accounts and ANALYZE, EXPLAIN shows index scans, never a
sequential scan, for the activity feed (paged, with and without an event filter, and its total
count), the redemption lookup by token digest and the issue's open-link lookup."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account, Membership, Partner, User
from audit.models import AuditEvent
from magiclinks import tokens
from magiclinks.flows.redeem import _lookup
from magiclinks.models import LinkKind, LoginLink, partner_scope, self_service_scope

ACCOUNTS = 200
ROWS = 20_000
EVENTS = ["login_link.generated", "login_link.redeemed", "login_link.invalidated", "user.added"]


@pytest.fixture
def grown(db, postgres):
    rng = random.Random(8)
    partner = Partner.objects.create(name="Growth")
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"g{i}@example.com", password="!") for i in range(ACCOUNTS)
    )
    accounts = Account.objects.bulk_create(Account(partner=partner) for _ in range(ACCOUNTS))
    Membership.objects.bulk_create(
        Membership(account=a, user=u, role="primary") for a, u in zip(accounts, users, strict=True)
    )
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                event=rng.choice(EVENTS),
                actor_type="partner",
                partner=partner,
                account=accounts[i % ACCOUNTS],
                occurred_at=now - timedelta(seconds=i),
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )
    LoginLink.objects.bulk_create(
        (
            LoginLink(
                token_digest=tokens.digest(f"{i:043d}"),
                user=users[i % ACCOUNTS],
                account=accounts[i % ACCOUNTS],
                partner=partner,
                kind=LinkKind.PARTNER_LOGIN,
                scope=partner_scope(accounts[i % ACCOUNTS].pk),
                issuer_type="partner",
                created_at=now - timedelta(minutes=i),
                expires_at=now - timedelta(minutes=i) + timedelta(days=7),
                # Most links are long finished, as in a real table.
                used_at=None if i % 50 == 0 else now,
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return accounts, users


def assert_indexed(queryset, table: str) -> str:
    plan = queryset.explain()
    assert f"Seq Scan on {table}" not in plan, plan
    assert "Index" in plan, plan
    return plan


def test_activity_feed_pages_use_the_account_index(grown):
    accounts, _ = grown
    events = AuditEvent.objects.for_account(accounts[17].pk)
    assert_indexed(events[:50], "audit_auditevent")
    assert_indexed(events[50:100], "audit_auditevent")
    filtered = events.filter(event="login_link.redeemed")
    assert_indexed(filtered[:50], "audit_auditevent")
    assert_indexed(
        events.filter(occurred_at__gte=timezone.now() - timedelta(hours=1))[:50], "audit_auditevent"
    )
    # total_count of the page envelope
    with connection.cursor() as cursor:
        sql, params = events.values("id").query.sql_with_params()
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) AS page", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on audit_auditevent" not in plan, plan


def test_redemption_lookup_uses_the_digest_index(grown):
    digest = tokens.digest(f"{4321:043d}")
    plan = assert_indexed(
        _lookup([LinkKind.PARTNER_LOGIN]).filter(token_digest=digest), "magiclinks_loginlink"
    )
    assert "token_digest" in plan


def test_issue_open_link_lookup_uses_the_partial_index(grown):
    accounts, users = grown
    open_links = LoginLink.objects.filter(
        user=users[3],
        # What issue_link asks for a partner link: both scopes of the account.
        scope__in=[partner_scope(accounts[3].pk), self_service_scope(accounts[3].pk)],
        used_at=None,
        invalidated_at=None,
        expires_at__gt=timezone.now(),
    ).values_list("pk", flat=True)
    plan = assert_indexed(open_links, "magiclinks_loginlink")
    assert "link_open_by_user_scope" in plan
