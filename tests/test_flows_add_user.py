"""magiclinks.flows.add_user called directly: a spouse or additional user with a 7-day link."""

from datetime import timedelta

import pytest

from accounts.models import AccountStatus, Membership, MembershipRole
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.add_user import ADDABLE_ROLES, add_user
from magiclinks.flows.errors import AccountSuspended, EmailInUse, UserExists
from magiclinks.flows.people import PersonInput
from magiclinks.models import LinkPurpose, LoginLink, Notification, NotificationKind


def test_the_primary_role_is_not_addable():
    assert set(ADDABLE_ROLES) == {MembershipRole.SPOUSE, MembershipRole.ADDITIONAL}


@pytest.mark.django_db
def test_adds_the_member_with_a_week_long_link_and_the_invitation(make):
    account = make.account()
    added = add_user(
        account,
        PersonInput("alex@example.com", "Alex", "Doe", notify=True),
        role=MembershipRole.SPOUSE,
        actor=Actor.partner(account.partner),
    )
    assert (added.membership.account, added.membership.role) == (account, "spouse")
    link = added.welcome.issued.link
    assert link.purpose == LinkPurpose.ADDITIONAL_USER
    assert link.expires_at - link.created_at == timedelta(hours=168)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        ("alex@example.com", NotificationKind.USER_ADDED)
    ]
    event = AuditEvent.objects.get(event="user.added")
    assert event.details == {"role": "spouse"}


@pytest.mark.django_db
def test_without_invitation_no_email_is_queued(make):
    account = make.account()
    added = add_user(
        account, PersonInput("q@example.com", "Q", "R", notify=False), actor=Actor.system()
    )
    assert added.membership.role == MembershipRole.ADDITIONAL
    assert not added.welcome.notification_queued and not Notification.objects.exists()


@pytest.mark.django_db
def test_person_on_this_partners_other_account_can_be_reused(make):
    partner = make.partner()
    first = make.account(partner=partner)
    person = first.users.get()
    added = add_user(
        make.account(partner=partner),
        PersonInput(person.email, "X", "Y"),
        role=MembershipRole.SPOUSE,
        actor=Actor.system(),
    )
    assert added.membership.user == person
    person.refresh_from_db()
    assert person.first_name == "Pat"  # names of a known person are not overwritten


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "error"),
    [("suspended", AccountSuspended), ("member", UserExists), ("foreign", EmailInUse)],
)
def test_refusals_write_nothing(make, setup, error):
    account = make.account()
    email = "new@example.com"
    if setup == "suspended":
        account.status = AccountStatus.SUSPENDED
        account.save()
    elif setup == "member":
        email = account.users.get().email
    else:
        email = make.account().users.get().email  # another partner's client
    links, memberships = LoginLink.objects.count(), Membership.objects.count()
    with pytest.raises(error):
        add_user(account, PersonInput(email, "N", "M"), actor=Actor.system())
    assert (LoginLink.objects.count(), Membership.objects.count()) == (links, memberships)
    assert not AuditEvent.objects.filter(event="user.added").exists()
