"""magiclinks.flows.fresh_link: "email me a fresh link", the policy (docs/end-users.md).

Same user, same account, only for expired, used or replaced links, never for revoked or still
active ones, suspended accounts, disabled or protected users; a self-service link outside the
account's hourly allowance that replaces only earlier self-service links; an unknown link sends
for the address's own accounts. The form around it: tests/test_browser_fresh_link.py.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.account_status import suspend_account
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.fresh_link import MAX_ACCOUNTS_FOR_UNKNOWN_LINK, send_fresh_partner_link
from magiclinks.flows.issue import issue_link
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LinkPurpose, LoginLink

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


def fresh_links(old):
    return LoginLink.objects.filter(account=old.link.account, purpose=LinkPurpose.EXPIRED_LINK)


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
def test_the_fresh_link_keeps_the_old_lifetime_purpose_and_a_still_permitted_redirect(make):
    old = expired_link(make, hours=5, redirect_url="https://app.yourplatform.com/x")
    [outcome] = send_fresh_partner_link(old.secret, old.link.user.email)
    assert outcome.sent and outcome.account == old.link.account
    new = fresh_links(old).get()
    assert new.expires_at - new.created_at == timedelta(hours=5)
    assert (new.purpose, new.redirect_url) == (LinkPurpose.EXPIRED_LINK, old.link.redirect_url)
    event = AuditEvent.objects.get(event="login_link.fresh_requested")
    assert event.details == {"sent": True, "reason": None}


@pytest.mark.django_db
def test_a_redirect_the_partner_no_longer_permits_is_dropped(make):
    old = expired_link(make, redirect_url="https://app.yourplatform.com/x")
    partner = old.link.account.partner
    partner.permitted_domains = ["elsewhere.example"]
    partner.save()
    assert send_fresh_partner_link(old.secret, old.link.user.email)[0].sent
    assert fresh_links(old).get().redirect_url == ""


@pytest.mark.django_db
def test_the_lifetime_of_a_fresh_link_stays_within_the_partner_bounds(make):
    old = expired_link(make, hours=400)  # older links could be longer than today's maximum
    send_fresh_partner_link(old.secret, old.link.user.email)
    new = fresh_links(old).get()
    assert new.expires_at - new.created_at == timedelta(hours=168)


@pytest.mark.django_db
def test_an_unknown_link_sends_for_at_most_three_accounts_newest_first(make):
    user = make.user()
    accounts = [make.account(primary=user) for _ in range(MAX_ACCOUNTS_FOR_UNKNOWN_LINK + 1)]
    outcomes = send_fresh_partner_link("Q" * 43, user.email)
    assert [o.account.pk for o in outcomes] == [a.pk for a in reversed(accounts)][:3]
    assert all(o.sent for o in outcomes)
    assert LoginLink.objects.filter(purpose=LinkPurpose.EXPIRED_LINK).count() == 3
