"""magiclinks.flows.create_account called directly: the account, its members, their 7-day links
and the optional emails in one transaction; typed refusals that write nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import Account, Membership, MembershipRole
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.create_account import create_account
from magiclinks.flows.errors import AccountExists, EmailInUse, UserExists
from magiclinks.flows.people import PersonInput
from magiclinks.models import LinkPurpose, LoginLink, Notification, NotificationKind


@pytest.mark.django_db
def test_creates_the_account_members_links_and_emails(make):
    partner = make.partner()
    created = create_account(
        partner,
        actor=Actor.partner(partner),
        primary=PersonInput("pat@example.com", "Pat", "Primary", notify=True),
        spouse=PersonInput("sam@example.com", "Sam", "Spouse", notify=False),
    )
    account = created.account
    assert account.partner == partner
    roles = dict(Membership.objects.filter(account=account).values_list("user__email", "role"))
    assert roles == {"pat@example.com": "primary", "sam@example.com": "spouse"}
    primary_link = created.primary.welcome.issued.link
    assert primary_link.purpose == LinkPurpose.INITIAL_ACCESS
    assert primary_link.expires_at - primary_link.created_at == timedelta(hours=168)
    assert created.spouse.welcome.issued.link.purpose == LinkPurpose.ADDITIONAL_USER
    assert created.primary.welcome.notification_queued
    assert not created.spouse.welcome.notification_queued
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        ("pat@example.com", NotificationKind.ACCOUNT_CREATED)
    ]
    events = sorted(AuditEvent.objects.filter(account=account.pk).values_list("event", flat=True))
    assert events.count("account.created") == 1 and events.count("user.added") == 1


@pytest.mark.django_db
def test_create_account_rejects_spouse_with_primary_email(make):
    partner = make.partner()
    person = PersonInput("a@example.com", "A", "B")
    with pytest.raises(UserExists):
        create_account(partner, actor=Actor.partner(partner), primary=person, spouse=person)
    assert Account.objects.count() == 0


@pytest.mark.django_db
def test_a_second_account_for_the_same_primary_is_refused(make):
    partner = make.partner()
    person = PersonInput("a@example.com", "A", "B", notify=False)
    create_account(partner, actor=Actor.partner(partner), primary=person)
    with pytest.raises(AccountExists):
        create_account(partner, actor=Actor.partner(partner), primary=person)
    assert Account.objects.count() == 1 and LoginLink.objects.count() == 1


@pytest.mark.django_db
def test_a_person_another_partner_serves_is_refused_and_nothing_is_written(make):
    served = make.account()  # another partner's client
    partner = make.partner()
    email = served.users.get().email
    with pytest.raises(EmailInUse):
        create_account(partner, actor=Actor.partner(partner), primary=PersonInput(email, "X", "Y"))
    assert Account.objects.filter(partner=partner).count() == 0
    assert not Membership.objects.filter(account__partner=partner).exists()


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
    assert Membership.objects.filter(role=MembershipRole.PRIMARY).count() == 1
