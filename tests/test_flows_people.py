"""magiclinks.flows.people.person_for_partner: the person behind an address for a partner's
account. New addresses become users; a person this partner already serves is reused (names
kept); an untouched signup is claimed; anybody else, and staff, is refused (EmailInUse)."""

import pytest
from django.db import transaction

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.errors import EmailInUse
from magiclinks.flows.people import PersonInput, person_for_partner

pytestmark = pytest.mark.django_db


def find(partner, email, first_name="New", last_name="Name") -> User:
    with transaction.atomic():
        return person_for_partner(
            partner,
            actor=Actor.partner(partner),
            email=email,
            first_name=first_name,
            last_name=last_name,
        )


def test_person_input_notifies_by_default():
    assert PersonInput("a@example.com", "A", "B").notify is True


def test_a_new_address_becomes_a_new_user(make):
    user = find(make.partner(), "fresh@example.com")
    assert (user.email, user.first_name, user.last_name) == ("fresh@example.com", "New", "Name")
    assert not user.has_usable_password()


def test_a_person_this_partner_serves_is_reused_with_their_names(make):
    account = make.account()
    served = account.users.get()
    assert find(account.partner, served.email) == served
    served.refresh_from_db()
    assert served.first_name == "Pat"


def test_an_untouched_signup_is_claimed(make):
    signup = User.objects.create_user("signup@example.com", first_name="Planted")
    partner = make.partner()
    assert find(partner, "signup@example.com") == signup
    signup.refresh_from_db()
    assert signup.first_name == "New"
    assert AuditEvent.objects.filter(event="user.claimed", partner=partner).exists()


@pytest.mark.parametrize("who", ["other partner's client", "staff", "superuser"])
def test_everybody_else_is_refused(make, who):
    if who == "staff":
        email = make.user(is_staff=True).email
    elif who == "superuser":
        email = make.user(is_superuser=True).email
    else:
        email = make.account().users.get().email
    with pytest.raises(EmailInUse):
        find(make.partner(), email)
