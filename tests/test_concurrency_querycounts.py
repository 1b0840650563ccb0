"""Query budgets of the hot paths (the first thing to look at when throughput drops): issuing a
partner link, generate_link on the Admin API and redeeming a link in the browser. Each budget is
what the path needs today (see docs/performance.md for the list of queries); it must not grow,
and it must not depend on how many links the user or the account already has."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.key_services import create_service_key
from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind

# Savepoints count: the test runs inside a transaction, so each outer atomic() adds two
# statements. Exact production counts: tests/test_performance_querycounts.py.
ISSUE_BUDGET = 6  # was 11 before issue 13
GENERATE_LINK_BUDGET = 6  # was 10
REDEEM_BUDGET = 6  # was 16


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


@pytest.mark.django_db
def test_issue_stays_within_its_query_budget(client, partner_api, django_assert_max_num_queries):
    account, headers = partner_api
    assert _issue(client, account, headers).status_code == 201  # warm: last_used_at written
    with django_assert_max_num_queries(ISSUE_BUDGET):
        response = _issue(client, account, headers)
    assert response.status_code == 201


@pytest.mark.django_db
def test_issue_cost_does_not_grow_with_earlier_links(client, partner_api):
    account, headers = partner_api
    counts = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            assert _issue(client, account, headers).status_code == 201
        counts.append(len(ctx.captured_queries))
    # The first call also refreshes the key's last_used_at; from then on the count is flat.
    assert len(set(counts[1:])) == 1, counts


@pytest.mark.django_db
def test_generate_link_stays_within_its_query_budget(client, make, django_assert_max_num_queries):
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
    with django_assert_max_num_queries(GENERATE_LINK_BUDGET):
        response = generate()
    assert response.status_code == 200, response.content[:300]


@pytest.mark.django_db
def test_redeem_stays_within_its_query_budget(client, make, django_assert_max_num_queries):
    account = make.account()
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    csrf = "c" * 32  # a browser's CSRF cookie and the matching form field
    client.cookies["csrftoken"] = csrf
    with django_assert_max_num_queries(REDEEM_BUDGET):
        response = client.post(
            f"/auth/partner-login/{issued.secret}", {"csrfmiddlewaretoken": csrf}
        )
    assert response.status_code == 303
