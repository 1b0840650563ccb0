"""GET /accounts/{id}/activity: events newest first, filters, paging, tenancy; audit.activity."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.activity import account_activity
from audit.actors import Actor
from audit.recorder import record
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind
from tests.partner_api_support import error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def activity(tenant, **params):
    return tenant.api.get(f"/accounts/{tenant.account.pk}/activity", params)


def test_events_of_the_account_newest_first_with_all_fields(tenant, other_tenant):
    first = tenant.api.post(
        f"/accounts/{tenant.account.pk}/login-link", {}, HTTP_USER_AGENT="curl/8"
    )
    assert first.status_code == 201
    secret = first.json()["login_link"].rsplit("/", 1)[1]
    tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {"send_notification": False})
    redeem_secret(secret, kinds=[LinkKind.PARTNER_LOGIN])  # invalidated → a failed redemption
    generate_partner_link(
        other_tenant.account, PartnerLinkOptions(), actor=Actor.partner(other_tenant.partner)
    )

    response = activity(tenant)
    assert response.status_code == 200
    body = response.json()
    names = [event["event"] for event in body["events"]]
    assert names[0] == "login_link.redeem_failed"
    assert set(names) >= {"login_link.generated", "login_link.invalidated", "notification.queued"}
    assert body["total_count"] == len(names) and body["has_more"] is False
    failed = body["events"][0]
    assert failed["details"]["reason"] == "invalidated"
    generated = next(e for e in body["events"] if e["event"] == "login_link.generated")
    assert set(generated) == {
        "id",
        "event",
        "occurred_at",
        "actor",
        "user_email",
        "ip_address",
        "user_agent",
        "details",
    }
    assert generated["actor"] == {"type": "partner", "label": tenant.partner.name}
    assert generated["user_email"] == "john.doe@example.com"
    assert generated["ip_address"] == "127.0.0.1"
    times = [e["occurred_at"] for e in body["events"]]
    assert times == sorted(times, reverse=True)
    # Nothing of the other partner's account leaks in.
    assert all(e["user_email"] != other_tenant.account.users.get().email for e in body["events"])


def test_event_and_since_filters_and_paging(tenant, make):
    record("credentials.set", actor=Actor.system(), account=tenant.account, details={})
    for _ in range(3):
        tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", {"send_notification": False})
    only = activity(tenant, event="login_link.generated").json()
    assert only["total_count"] == 3
    assert {e["event"] for e in only["events"]} == {"login_link.generated"}
    page = activity(tenant, event="login_link.generated", limit=2, offset=0).json()
    assert len(page["events"]) == 2 and page["has_more"] is True
    rest = activity(tenant, event="login_link.generated", limit=2, offset=2).json()
    assert len(rest["events"]) == 1 and rest["has_more"] is False
    future = (timezone.now() + timedelta(minutes=5)).isoformat()
    assert activity(tenant, since=future).json()["total_count"] == 0
    past = (timezone.now() - timedelta(minutes=5)).isoformat()
    # 3 generated, 2 superseded, 1 credentials.set
    assert activity(tenant, since=past).json()["total_count"] == 6


def test_staff_actor_is_shown_as_support(tenant, make):
    staff = make.user("agent@corp.example", is_staff=True)
    generate_partner_link(
        tenant.account, PartnerLinkOptions(send_notification=False), actor=Actor.staff(staff)
    )
    events = activity(tenant, event="login_link.generated").json()["events"]
    assert events[0]["actor"] == {"type": "staff", "label": "support"}
    assert "agent@corp.example" not in activity(tenant).content.decode()


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"limit": 500}, {"offset": "-3"}])
def test_bad_query_is_validation_error(tenant, params):
    assert error_of(activity(tenant, **params)) == (400, "VALIDATION_ERROR")


def test_other_partners_activity_is_404(tenant, other_tenant):
    response = tenant.api.get(f"/accounts/{other_tenant.account.pk}/activity")
    assert error_of(response) == (404, "ACCOUNT_NOT_FOUND")


def test_activity_query_directly(tenant):
    record("user.added", actor=Actor.system(), account=tenant.account)
    record("account.created", actor=Actor.system(), account=tenant.account)
    assert [e.event for e in account_activity(tenant.account.pk)] == [
        "account.created",
        "user.added",
    ]
    assert [e.event for e in account_activity(tenant.account.pk, event="user.added")] == [
        "user.added"
    ]
