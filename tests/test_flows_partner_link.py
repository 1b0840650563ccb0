"""magiclinks.flows.partner_link called directly (API-agnostic): typed options in, typed
refusals out, nothing written or counted on a refusal."""

from datetime import timedelta

import pytest

from accounts.models import AccountStatus
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.errors import AccountSuspended, InvalidRedirect, UserNotOnAccount
from magiclinks.flows.partner_link import (
    DEFAULT_EXPIRY_HOURS,
    PartnerLinkOptions,
    generate_partner_link,
)
from magiclinks.models import LinkStatus, LoginLink, Notification
from ratelimits import counting as limits


@pytest.mark.django_db
def test_staff_actor_generates_a_link_like_the_admin_button(make):
    account = make.account()
    staff = make.user("agent@example.com", is_staff=True)
    result = generate_partner_link(
        account,
        PartnerLinkOptions(
            purpose="support_request",
            expiry_hours=2,
            redirect_url="https://yourplatform.com/help",
            send_notification=True,
            notification_settings={"custom_message": "Hi"},
        ),
        actor=Actor.staff(staff),
    )
    assert result.link.issuer_type == "staff" and result.link.status == LinkStatus.ACTIVE
    assert result.url.endswith(result.secret) and result.notification_queued
    assert result.invalidated_count == 0 and result.expiry_hours == 2
    assert result.link.redirect_url == "https://yourplatform.com/help"
    assert Notification.objects.get(link=result.link).options == {
        "partner_branded": True,
        "include_instructions": True,
        "custom_message": "Hi",
    }
    event = AuditEvent.objects.get(event="login_link.generated")
    assert event.actor_type == "staff" and event.details["purpose"] == "support_request"


@pytest.mark.django_db
def test_default_options_are_the_primary_user_for_a_week_emailed(make):
    account = make.account()
    result = generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())
    assert DEFAULT_EXPIRY_HOURS == 168
    assert result.user == account.users.get()
    assert result.link.expires_at - result.link.created_at == timedelta(hours=168)
    assert result.notification_queued and result.link.purpose == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "error"),
    [
        (PartnerLinkOptions(user_email="nobody@example.com"), UserNotOnAccount),
        (PartnerLinkOptions(redirect_url="https://evil.com/"), InvalidRedirect),
    ],
)
def test_refusals_are_typed_and_consume_nothing(make, options, error):
    account = make.account(partner=make.partner(login_links_per_account_per_hour=1))
    with pytest.raises(error):
        generate_partner_link(account, options, actor=Actor.system())
    assert LoginLink.objects.count() == 0
    # The one allowed link of the hour is still there.
    generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())
    with pytest.raises(limits.RateLimitExceeded):
        generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())


@pytest.mark.django_db
def test_suspended_account_raises(make):
    account = make.account(status=AccountStatus.SUSPENDED)
    with pytest.raises(AccountSuspended):
        generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())


@pytest.mark.django_db
def test_a_self_service_link_spends_none_of_the_partners_allowance(make):
    account = make.account(partner=make.partner(login_links_per_account_per_hour=1))
    email = account.users.get().email
    for _ in range(3):
        generate_partner_link(
            account, PartnerLinkOptions(user_email=email), actor=Actor.system(), self_service=True
        )
    generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())  # still allowed
