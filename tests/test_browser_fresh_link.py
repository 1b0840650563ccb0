"""magiclinks.flows.fresh_link and its form: "email me a fresh link" on a dead link's page.

Policy under test: same user, same account, only for expired/used/replaced links, not revoked or
still-active ones, not for suspended accounts; a self-service link outside the account's hourly
allowance; the page never reveals whether the address matched; per-IP and per-address limits;
audited.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.account_status import suspend_account
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.browser import throttle
from magiclinks.flows.fresh_link import send_fresh_partner_link
from magiclinks.flows.issue import issue_link
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LinkPurpose, LoginLink, Notification

HOUR = timedelta(hours=1)


def expired_link(make, account=None, **kwargs):
    account = account or make.account(partner=make.partner(domains=["yourplatform.com"]))
    lifetime = timedelta(hours=kwargs.pop("hours", 48))
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=lifetime,
        **kwargs,
    )
    now = timezone.now()  # as if issued `lifetime` ago
    LoginLink.objects.filter(pk=issued.link.pk).update(created_at=now - lifetime, expires_at=now)
    issued.link.refresh_from_db()
    return issued


def post_fresh(secret: str, email: str, ip: str = "203.0.113.20"):
    return Client(REMOTE_ADDR=ip).post(f"/auth/partner-login/{secret}/new-link", {"email": email})


def fresh_links(old):
    return LoginLink.objects.filter(account=old.link.account, purpose=LinkPurpose.EXPIRED_LINK)


@pytest.mark.django_db
def test_expired_link_gets_a_fresh_one_for_the_same_account(make):
    old = expired_link(make, redirect_url="https://app.yourplatform.com/x")
    response = post_fresh(old.secret, old.link.user.email.upper())
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    new = fresh_links(old).get()
    assert new.user_id == old.link.user_id and new.is_active
    assert new.redirect_url == "https://app.yourplatform.com/x"
    assert round((new.expires_at - new.created_at).total_seconds() / 3600) == 48
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


def _active_link(account):
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.system(),
        lifetime=HOUR,
    )


@pytest.mark.django_db
def test_used_and_replaced_links_qualify(make):
    account = make.account()
    used = _active_link(account)
    Client().post(f"/auth/partner-login/{used.secret}")
    assert [o.sent for o in send_fresh_partner_link(used.secret, used.link.user.email)] == [True]

    replaced = _active_link(account)
    _active_link(account)  # replaces it
    outcomes = send_fresh_partner_link(replaced.secret, replaced.link.user.email)
    assert [o.sent for o in outcomes] == [True]


@pytest.mark.django_db
def test_refusals(make):
    # revoked: withdrawn on purpose, no self-service
    revoked = expired_link(make)
    LoginLink.objects.filter(pk=revoked.link.pk).update(expires_at=timezone.now() + HOUR)
    revoked.link.refresh_from_db()
    revoke_link(revoked.link, actor=Actor.system())
    assert send_fresh_partner_link(revoked.secret, revoked.link.user.email)[0].reason == (
        "link_revoked"
    )
    # still active: nothing to replace
    active = _active_link(make.account())
    assert send_fresh_partner_link(active.secret, active.link.user.email)[0].reason == (
        "link_still_active"
    )
    # suspended account
    suspended = expired_link(make)
    suspend_account(suspended.link.account, actor=Actor.system())
    assert send_fresh_partner_link(suspended.secret, suspended.link.user.email)[0].reason == (
        "account_suspended"
    )
    # banned user
    banned = expired_link(make)
    banned.link.user.banned_until = timezone.now() + HOUR
    banned.link.user.save()
    assert send_fresh_partner_link(banned.secret, banned.link.user.email)[0].reason == (
        "user_disabled"
    )
    assert not LoginLink.objects.filter(purpose=LinkPurpose.EXPIRED_LINK).exists()


@pytest.mark.django_db
def test_account_hourly_allowance_is_the_partners_alone(make):
    # Self-service links are limited per address and per IP (the form), not per account: the
    # allowance is the partner's budget (tests/security/test_fresh_link_cannot_kill_partner_links).
    partner = make.partner(login_links_per_account_per_hour=2)
    old = expired_link(make, account=make.account(partner=partner))
    sent = [send_fresh_partner_link(old.secret, old.link.user.email)[0].sent for _ in range(3)]
    assert sent == [True, True, True]
    # Each replaced the previous self-service link only: one is active.
    assert fresh_links(old).filter(invalidated_at=None).count() == 1


@pytest.mark.django_db
def test_unknown_link_sends_for_the_addresss_accounts(make):
    user = make.user()
    first = make.account(primary=user)
    second = make.account(primary=user)
    outcomes = send_fresh_partner_link("Q" * 43, user.email)
    assert {o.account.pk for o in outcomes if o.sent} == {first.pk, second.pk}
    assert send_fresh_partner_link("Q" * 43, "nobody@example.com") == []


@pytest.mark.django_db
def test_fresh_link_form_limited_per_address_and_ip(make):
    old = expired_link(make)
    limit, _ = throttle.LIMITS["browser.fresh_link.address"]
    for attempt in range(limit):
        post_fresh(old.secret, old.link.user.email, ip=f"198.51.100.{attempt + 1}")
    limited = post_fresh(old.secret, old.link.user.email, ip="198.51.100.100")
    assert limited.status_code == 429 and limited["Retry-After"]
    ip_limit, _ = throttle.LIMITS["browser.fresh_link.ip"]
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
