"""Guards that cannot drift: the exact number of SQL statements and of Redis commands of each hot
endpoint, on PostgreSQL and Redis (CI), at the numbers docs/performance.md reports.

The tests are transactional (`transaction=True`), so each atomic block is a real transaction
and no savepoint statements are added by the test itself: what is counted is what production
sends (BEGIN and COMMIT are protocol commands, not statements, and are not counted). Redis
commands are counted with tests/redis_counting.py. Each request is made once first (warm: the
key's last_used_at written, the Redis connection and the Lua script loaded), then measured.
Counts are deterministic; timings belong to `make bench`, not here.

The Redis figures are those of ratelimits.counting (one Lua call per check, all its counters
at once) and of the webhook sink's cached subscription reads (webhooks.subscriptions).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.key_services import create_service_key
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, LoginLink
from supabase_api.flows.admin_links import LinkRequest, create_link
from webhooks import subscriptions

from .redis_counting import count_redis

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_cache"),
]

# (statements, Redis commands) per request. Before issue 13: issue 8 statements (+ 2 savepoint
# statements when nested), generate_link 7, browser redeem 12 (of which 2 savepoint statements),
# verify 12; see docs/performance.md for the list of each.
# One Lua call: the key's minute and day limits and the account's hourly allowance, counted
# together by the flow once the request is valid (ratelimits.counting.Deferred); was two.
# Statements: the key with the account and its members (one statement,
# magiclinks.partner_api.authentication), the issue's lock-free statement (which takes the
# account's lock itself, magiclinks.flows.issue), each its own transaction: no BEGIN, no COMMIT.
# Was 3 in one transaction (BEGIN … COMMIT: the key, the lookup locking the account, the issue),
# 4 with a separate lock statement, 8 before issue 13.
ISSUE = (2, ["EVALSHA"])
# The service key, the issue's lock-free statement (which finds the person by address, checks the
# flow's rules on the row, stamps it and takes its lock, magiclinks.flows.issue.
# issue_link_for_address), each its own transaction: no BEGIN, no COMMIT. Was 3 (the person read
# first, then the statement on the version read), 3 in one transaction before (the person locked
# and stamped by one UPDATE … RETURNING, then the issue), 4 with SELECT … FOR UPDATE and a
# separate stamping UPDATE.
GENERATE_LINK = (2, [])
# The per-IP limit (one Lua call), then the partner's webhook subscriptions (webhooks.
# subscriptions, cached) for each of the two events a webhook can carry: redeemed, activated.
REDEEM = (4, ["EVALSHA", "GET", "GET"])
VERIFY = 9
ACCOUNT_READS = 1  # the key with its partner and the account with its members and users (was 2)


@pytest.fixture(autouse=True)
def every_statement_within_psycopg_s_query_cache():
    """Every statement these endpoints send stays within the bounds under which psycopg caches
    its conversion of the query (50 parameters, 4,096 bytes); above them it re-parses the SQL on
    every execution (the issue statement once had 52 parameters: 0.6 ms per request, profiled).
    Checked for every request of every test in this module, warm-up included."""
    from psycopg import _queries

    over: list[str] = []

    def check(execute, sql, params, many, context):
        if len(params or ()) > _queries.MAX_CACHED_STATEMENT_PARAMS or (
            len(sql.encode()) > _queries.MAX_CACHED_STATEMENT_LENGTH
        ):
            over.append(f"{len(params or ())} parameters, {len(sql.encode())} bytes: {sql[:120]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        yield
    assert over == []


def _statements(ctx) -> list[str]:
    """What was sent, without the transaction control (BEGIN/COMMIT are counted apart)."""
    return [q["sql"] for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]


def _commits(ctx) -> int:
    return sum(q["sql"] == "COMMIT" for q in ctx.captured_queries)


@pytest.fixture
def partner_api(make):
    partner = make.partner()
    account = make.account(partner)
    return account, {"Authorization": f"Bearer {make.api_key(partner)}"}


def _issue(client, account, headers):
    return client.post(
        f"/v1beta/accounts/{account.pk}/login-link",
        {"send_notification": False},
        content_type="application/json",
        headers=headers,
    )


def test_issue(client, partner_api):
    account, headers = partner_api
    assert _issue(client, account, headers).status_code == 201  # warm
    with CaptureQueriesContext(connection) as ctx, count_redis() as sent:
        response = _issue(client, account, headers)
    assert response.status_code == 201
    assert response.json()["previous_links_invalidated"] == 1  # superseding is in the count
    assert len(_statements(ctx)) == ISSUE[0], _statements(ctx)
    assert len(ctx.captured_queries) == ISSUE[0]  # no BEGIN, no COMMIT: autocommit throughout
    assert sent.commands == ISSUE[1]
    # Still everything the issue must leave behind.
    assert LoginLink.objects.filter(account=account, invalidated_at=None).count() == 1
    assert AuditEvent.objects.filter(event="login_link.invalidated").count() == 1


def test_issue_cost_does_not_grow_with_earlier_links(client, partner_api):
    account, headers = partner_api
    counts = []
    for _ in range(4):
        with CaptureQueriesContext(connection) as ctx:
            assert _issue(client, account, headers).status_code == 201
        counts.append(len(_statements(ctx)))
    assert counts[1:] == [ISSUE[0]] * 3, counts


def test_generate_link(client, make):
    key = create_service_key("querycount", actor=Actor.system("test")).plaintext
    user = make.user()
    headers = {
        "Authorization": f"Bearer {key}",
        "apikey": key,
        "X-Supabase-Api-Version": "2024-01-01",
    }
    body = {"type": "magiclink", "email": user.email, "password": None, "new_email": None}

    def generate():
        return client.post(
            "/auth/v1/admin/generate_link",
            {**body, "data": None},
            content_type="application/json",
            headers=headers,
        )

    assert generate().status_code == 200
    with CaptureQueriesContext(connection) as ctx, count_redis() as sent:
        response = generate()
    assert response.status_code == 200, response.content[:300]
    assert len(_statements(ctx)) == GENERATE_LINK[0], _statements(ctx)
    assert len(ctx.captured_queries) == GENERATE_LINK[0]  # no BEGIN, no COMMIT
    assert sent.commands == GENERATE_LINK[1]
    user.refresh_from_db()
    assert user.recovery_sent_at is not None  # the stamp, in the issue's statement


def _partner_link(make):
    account = make.account()
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )


def test_redeem_first_sign_in(make):
    browser = Client(enforce_csrf_checks=True)
    csrf = "c" * 32  # a browser's CSRF cookie and the matching form field
    browser.cookies["csrftoken"] = csrf
    warm = _partner_link(make)
    assert (
        browser.post(
            f"/auth/partner-login/{warm.secret}", {"csrfmiddlewaretoken": csrf}
        ).status_code
        == 303
    )
    browser.cookies.pop("sessionid")
    browser.cookies["csrftoken"] = csrf  # login() rotated it
    issued = _partner_link(make)
    # Steady state: the partner's webhook subscriptions are cached (a cold cache costs one read
    # of its endpoints: tests/test_webhooks_sink.py).
    subscriptions.refresh(issued.link.partner_id)
    with CaptureQueriesContext(connection) as ctx, count_redis() as sent:
        response = browser.post(
            f"/auth/partner-login/{issued.secret}", {"csrfmiddlewaretoken": csrf}
        )
    assert response.status_code == 303
    assert len(_statements(ctx)) == REDEEM[0], _statements(ctx)
    assert sent.commands == REDEEM[1]
    link = LoginLink.objects.get(pk=issued.link.pk)
    assert link.used_at is not None and link.account.status == "active"
    assert link.user.last_login == link.used_at  # written by the consuming statement
    assert AuditEvent.objects.filter(link_id=link.pk, event="login_link.redeemed").count() == 1


def test_verify(client, make):
    def generated():
        user = make.user()
        return create_link(
            LinkRequest(type=LinkKind.MAGICLINK, email=user.email, lifetime=timedelta(hours=1)),
            actor=Actor.system("test"),
        )

    def verify(link):
        return client.post(
            "/auth/v1/verify",
            {"type": "magiclink", "token_hash": link.issued.hashed_token},
            content_type="application/json",
            headers={"X-Supabase-Api-Version": "2024-01-01"},
        )

    assert verify(generated()).status_code == 200
    link = generated()
    with CaptureQueriesContext(connection) as ctx:
        response = verify(link)
    assert response.status_code == 200, response.content[:300]
    assert len(_statements(ctx)) == VERIFY, _statements(ctx)


@pytest.mark.parametrize("path", ["", "/users", "/login-links"])
def test_partner_account_reads(client, partner_api, path):
    account, headers = partner_api
    url = f"/v1beta/accounts/{account.pk}{path}"
    assert client.get(url, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    expected = ACCOUNT_READS + (path == "/login-links")  # the count (no page when there are none)
    assert len(_statements(ctx)) == expected, _statements(ctx)
