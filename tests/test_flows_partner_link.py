"""magiclinks.flows.partner_link / create_account / add_user called directly (API-agnostic)."""

import threading

import pytest
from django.db import connection

from accounts import limits
from accounts.models import Account, AccountStatus, MembershipRole
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.add_user import add_user
from magiclinks.flows.create_account import PersonInput, create_account
from magiclinks.flows.errors import (
    AccountExists,
    AccountSuspended,
    InvalidRedirect,
    UserExists,
    UserNotOnAccount,
)
from magiclinks.flows.partner_link import InvalidLinkOptions, generate_partner_link
from magiclinks.models import LinkStatus, LoginLink, Notification


@pytest.mark.django_db
def test_staff_actor_generates_a_link_like_the_admin_button(make):
    account = make.account()
    staff = make.user("agent@example.com", is_staff=True)
    result = generate_partner_link(
        account,
        actor=Actor.staff(staff),
        purpose="support_request",
        expiry_hours=2,
        redirect_url="https://yourplatform.com/help",
        send_notification=True,
        notification_settings={"custom_message": "Hi"},
    )
    assert result.link.issuer_type == "staff" and result.link.status == LinkStatus.ACTIVE
    assert result.url.endswith(result.secret) and result.notification_queued
    assert result.invalidated_count == 0 and result.expiry_hours == 2
    assert result.link.redirect_url == "https://yourplatform.com/help"
    assert Notification.objects.get(link=result.link).options["custom_message"] == "Hi"
    event = AuditEvent.objects.get(event="login_link.generated")
    assert event.actor_type == "staff" and event.details["purpose"] == "support_request"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"expiry_hours": 0}, InvalidLinkOptions),
        ({"expiry_hours": 169}, InvalidLinkOptions),
        ({"purpose": "nonsense"}, InvalidLinkOptions),
        ({"user_email": "nobody@example.com"}, UserNotOnAccount),
        ({"redirect_url": "https://evil.com/"}, InvalidRedirect),
    ],
)
def test_invalid_requests_raise_typed_errors_and_consume_nothing(make, kwargs, error):
    account = make.account(partner=make.partner(login_links_per_account_per_hour=1))
    with pytest.raises(error):
        generate_partner_link(account, actor=Actor.system(), **kwargs)
    assert LoginLink.objects.count() == 0
    generate_partner_link(account, actor=Actor.system())  # the one allowed link is still there
    with pytest.raises(limits.RateLimitExceeded):
        generate_partner_link(account, actor=Actor.system())


@pytest.mark.django_db
def test_suspended_account_raises(make):
    account = make.account(status=AccountStatus.SUSPENDED)
    with pytest.raises(AccountSuspended):
        generate_partner_link(account, actor=Actor.system())


@pytest.mark.django_db
def test_create_account_rejects_spouse_with_primary_email(make):
    partner = make.partner()
    person = PersonInput("a@example.com", "A", "B")
    with pytest.raises(UserExists):
        create_account(partner, actor=Actor.partner(partner), primary=person, spouse=person)
    assert Account.objects.count() == 0


@pytest.mark.django_db
def test_person_on_this_partners_other_account_can_be_reused(make):
    partner = make.partner()
    first = make.account(partner=partner)
    person = first.users.get()
    added = add_user(
        make.account(partner=partner),
        actor=Actor.system(),
        email=person.email,
        first_name="X",
        last_name="Y",
        role=MembershipRole.SPOUSE,
    )
    assert added.membership.user == person
    assert person.first_name == "Pat"  # names of a known person are not overwritten


@pytest.mark.django_db(transaction=True)
def test_simultaneous_creates_with_one_email_make_one_account(postgres, make):
    partner = make.partner()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def create() -> None:
        try:
            barrier.wait()
            create_account(
                partner,
                actor=Actor.partner(partner),
                primary=PersonInput("same@example.com", "S", "P", notify=False),
            )
            outcomes.append("created")
        except AccountExists:
            outcomes.append("exists")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created"] + ["exists"] * 7
    assert Account.objects.filter(partner=partner).count() == 1
