"""The "email me a fresh link" form on a dead link's page (magiclinks.browser), end to end.

The page never reveals whether the address matched; per-IP and per-address limits; audited. The
policy itself (which links qualify, refusals, the allowance) is tested on the flow, in
tests/test_flows_fresh_link.py.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from magiclinks.models import LinkPurpose, LoginLink, Notification
from ratelimits.table import rate
from tests.test_flows_fresh_link import expired_link, fresh_links


def post_fresh(secret: str, email: str, ip: str = "203.0.113.20"):
    return Client(REMOTE_ADDR=ip).post(f"/auth/partner-login/{secret}/new-link", {"email": email})


@pytest.mark.django_db
def test_expired_link_gets_a_fresh_one_for_the_same_account(make):
    old = expired_link(make, redirect_url="https://app.yourplatform.com/x")
    response = post_fresh(old.secret, old.link.user.email.upper())
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    new = fresh_links(old).get()
    assert new.user_id == old.link.user_id and new.is_active
    assert new.redirect_url == "https://app.yourplatform.com/x"
    assert new.expires_at - new.created_at == timedelta(hours=48)
    notification = Notification.objects.get(link=new)
    assert notification.kind == "partner_login_link"
    assert notification.recipient == old.link.user.email
    event = AuditEvent.objects.get(event="login_link.fresh_requested")
    assert event.details == {"sent": True, "reason": None}
    assert event.account_id == old.link.account_id and event.ip_address == "203.0.113.20"


@pytest.mark.django_db
def test_wrong_address_sends_nothing_and_looks_the_same(make):
    old = expired_link(make)
    right = post_fresh(old.secret, old.link.user.email).content.decode()
    LoginLink.objects.filter(purpose=LinkPurpose.EXPIRED_LINK).update(expires_at=timezone.now())
    wrong = post_fresh(old.secret, "someone.else@example.com", ip="203.0.113.21")
    assert wrong.status_code == 200
    assert wrong.content.decode().replace("someone.else@example.com", "X") == right.replace(
        old.link.user.email, "X"
    )
    assert fresh_links(old).count() == 1
    assert AuditEvent.objects.filter(
        event="login_link.fresh_requested", details__reason="address_mismatch"
    ).exists()


@pytest.mark.django_db
def test_fresh_link_form_limited_per_address_and_ip(make):
    old = expired_link(make)
    limit, _ = rate("browser.fresh_link.address")
    for attempt in range(limit):
        post_fresh(old.secret, old.link.user.email, ip=f"198.51.100.{attempt + 1}")
    limited = post_fresh(old.secret, old.link.user.email, ip="198.51.100.100")
    assert limited.status_code == 429 and limited["Retry-After"]
    ip_limit, _ = rate("browser.fresh_link.ip")
    for attempt in range(ip_limit):
        post_fresh(old.secret, f"person{attempt}@example.com", ip="192.0.2.1")
    assert post_fresh(old.secret, "another@example.com", ip="192.0.2.1").status_code == 429


@pytest.mark.django_db
def test_fresh_link_form_validates_the_address(make):
    old = expired_link(make)
    response = post_fresh(old.secret, "not-an-address")
    assert response.status_code == 400
    page = response.content.decode()
    assert "valid email address" in page and "has expired" in page
    assert not fresh_links(old).exists()


@pytest.mark.django_db
def test_fresh_link_form_needs_post(make):
    old = expired_link(make)
    assert Client().get(f"/auth/partner-login/{old.secret}/new-link").status_code == 405
