"""webhooks.sink: an audit event the partner subscribed to becomes delivery rows in the event's
transaction; for a partner without a matching endpoint it costs no SQL statement."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.actors import Actor
from audit.recorder import record
from magiclinks.flows.revoke import revoke_link
from webhooks import services, subscriptions
from webhooks.models import WebhookDelivery

from .webhook_support import TEST_ACTOR, endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


def _record_redeemed(partner, account, user):
    return record(
        "login_link.redeemed",
        actor=Actor.user(user),
        partner=partner.pk,
        account=account.pk,
        user=user,
        details={"kind": "partner_login"},
    )


def test_no_endpoint_costs_no_sql_statement(make):
    partner = make.partner()
    account = make.account(partner=partner)
    user = account.users.get()
    _record_redeemed(partner, account, user)  # warms the subscription cache
    with CaptureQueriesContext(connection) as queries:
        _record_redeemed(partner, account, user)
    # Only the audit INSERT itself: the sink asked the cache, not the database.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert WebhookDelivery.objects.count() == 0


def test_a_cold_cache_costs_one_read_per_partner_then_none(make):
    partner = make.partner()
    account = make.account(partner=partner)
    user = account.users.get()
    with CaptureQueriesContext(connection) as cold:
        _record_redeemed(partner, account, user)
    with CaptureQueriesContext(connection) as warm:
        _record_redeemed(partner, account, user)
    assert [q["sql"].split()[0] for q in cold.captured_queries] == ["INSERT", "SELECT"]
    assert "webhooks_webhookendpoint" in cold.captured_queries[1]["sql"]
    assert len(warm.captured_queries) == 1


def test_an_endpoint_for_other_events_costs_no_sql_statement(make, local_targets):
    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/hook", events=["notification.bounced"])
    account = make.account(partner=partner)
    user = account.users.get()
    _record_redeemed(partner, account, user)
    with CaptureQueriesContext(connection) as queries:
        _record_redeemed(partner, account, user)
    assert len(queries.captured_queries) == 1
    assert WebhookDelivery.objects.count() == 0


def test_other_audit_events_never_reach_the_cache_or_database(make, django_assert_num_queries):
    partner = make.partner()
    with django_assert_num_queries(1):
        record("partner.created", actor=TEST_ACTOR, partner=partner)


def test_a_subscribed_event_writes_one_row_per_endpoint_in_its_transaction(make, local_targets):
    partner = make.partner()
    first, _ = endpoint_for(partner, "http://127.0.0.1:9/a", events=["login_link.redeemed"])
    second, _ = endpoint_for(partner, "http://127.0.0.1:9/b")
    endpoint_for(partner, "http://127.0.0.1:9/c", events=["notification.bounced"])
    disabled, _ = endpoint_for(partner, "http://127.0.0.1:9/d")
    services.update_endpoint(disabled, actor=TEST_ACTOR, enabled=False)
    endpoint_for(make.partner(), "http://127.0.0.1:9/other-partner")
    account = make.account(partner=partner)
    user = account.users.get()

    with transaction.atomic():
        event = _record_redeemed(partner, account, user)
        transaction.set_rollback(True)
    assert WebhookDelivery.objects.count() == 0  # rolled back with the event

    event = _record_redeemed(partner, account, user)
    rows = WebhookDelivery.objects.order_by("endpoint_id")
    assert [row.endpoint_id for row in rows] == [first.pk, second.pk]
    assert {row.event_id for row in rows} == {f"evt_{event.pk}"}
    assert rows[0].payload == {
        "id": f"evt_{event.pk}",
        "type": "login_link.redeemed",
        "created_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "account_id": account.pk,
            "user_email": user.email,
            "link_id": None,
            "kind": "partner_login",
        },
    }


def test_endpoint_changes_refresh_the_cached_subscriptions(
    make, local_targets, django_capture_on_commit_callbacks
):
    partner = make.partner()
    assert subscriptions.subscribed(partner.pk) == frozenset()  # cached: nothing
    with django_capture_on_commit_callbacks(execute=True):
        endpoint, _ = endpoint_for(partner, "http://127.0.0.1:9/a", events=["login_link.revoked"])
    assert subscriptions.subscribed(partner.pk) == {"login_link.revoked"}
    with django_capture_on_commit_callbacks(execute=True):
        services.update_endpoint(endpoint, actor=TEST_ACTOR, events=["account.activated"])
    assert subscriptions.subscribed(partner.pk) == {"account.activated"}
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_endpoint(endpoint, actor=TEST_ACTOR)
    assert subscriptions.subscribed(partner.pk) == frozenset()


def test_a_revoked_link_payload_carries_no_secret(make, local_targets):
    from magiclinks.flows.issue import issue_link
    from magiclinks.models import LinkKind

    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/a", events=["login_link.revoked"])
    account = make.account(partner=partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=timedelta(hours=1),
    )
    assert revoke_link(issued.link, actor=Actor.partner(partner))
    (row,) = WebhookDelivery.objects.all()
    assert row.event_type == "login_link.revoked"
    assert row.payload["data"]["link_id"] == str(issued.link.pk)
    text = str(row.payload)
    assert issued.secret not in text and issued.link.token_digest not in text


def _revoke_statements(client, make, monkeypatch, *, sink: bool, subscribe: bool) -> int:
    from audit import recorder
    from magiclinks.flows.issue import issue_link
    from magiclinks.models import LinkKind

    if not sink:
        monkeypatch.setattr(recorder, "_sinks", {})
    partner = make.partner()
    if subscribe:
        endpoint_for(partner, "http://127.0.0.1:9/a", events=["login_link.revoked"])
    headers = {"Authorization": f"Bearer {make.api_key(partner)}"}
    account = make.account(partner=partner)
    users = [account.users.get(), make.member(account)]  # a new link retires the user's last
    links = [
        issue_link(
            user=user,
            kind=LinkKind.PARTNER_LOGIN,
            account=account,
            actor=Actor.partner(partner),
            lifetime=timedelta(hours=1),
        ).link
        for user in users
    ]
    path = f"/v1beta/accounts/{account.pk}/login-links/{{}}/revoke"

    def revoke(link):
        return client.post(path.format(link.pk), "", "application/json", headers=headers)

    assert revoke(links[0]).status_code == 200  # warm: last_used_at, the subscription cache
    with CaptureQueriesContext(connection) as queries:
        assert revoke(links[1]).status_code == 200
    monkeypatch.undo()
    return len(queries.captured_queries)


def test_a_partner_api_request_costs_the_same_without_a_subscriber(
    client, make, monkeypatch, local_targets
):
    without_webhooks = _revoke_statements(client, make, monkeypatch, sink=False, subscribe=False)
    no_subscriber = _revoke_statements(client, make, monkeypatch, sink=True, subscribe=False)
    subscriber = _revoke_statements(client, make, monkeypatch, sink=True, subscribe=True)
    print(
        f"revoke: {without_webhooks} statements without webhooks, {no_subscriber} without a "
        f"subscriber, {subscriber} with one"
    )
    assert no_subscriber == without_webhooks
    # With one: the partner's endpoints (SELECT) and the delivery row (INSERT … RETURNING).
    assert subscriber == without_webhooks + 2


def test_a_browser_sign_in_reaches_the_sink_through_the_combined_statements(make, local_targets):
    """The redeem path writes `login_link.redeemed` and `account.activated` inside its combined
    UPDATE … INSERT statements (audit.combined.update_and_record), not through record(): both
    still become deliveries, with the ids of the events the statements inserted."""
    from django.test import Client

    from audit.models import AuditEvent
    from magiclinks.flows.issue import issue_link
    from magiclinks.models import LinkKind

    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/a")
    account = make.account(partner=partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=timedelta(hours=1),
    )
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = "c" * 32
    answer = browser.post(f"/auth/partner-login/{issued.secret}", {"csrfmiddlewaretoken": "c" * 32})
    assert answer.status_code == 303
    events = {
        e.event: e
        for e in AuditEvent.objects.filter(event__in=["login_link.redeemed", "account.activated"])
    }
    rows = {row.event_type: row for row in WebhookDelivery.objects.all()}
    assert set(rows) == {"login_link.redeemed", "account.activated"}
    for event_type, row in rows.items():
        assert row.event_id == f"evt_{events[event_type].pk}"
    assert rows["login_link.redeemed"].payload["data"]["link_id"] == str(issued.link.pk)


def test_a_sink_cannot_listen_to_events_written_in_bulk():
    from audit.recorder import add_sink

    with pytest.raises(ValueError, match="written in bulk"):
        add_sink(lambda event: None, ["login_link.generated", "login_link.redeemed"])
