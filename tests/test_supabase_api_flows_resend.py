"""supabase_api.flows.resend: a new confirmation or email-change link when one is pending,
nothing (and no different answer) otherwise; phone types refused as upstream does without a
phone provider."""

import pytest
from django.utils import timezone

from magiclinks.models import LinkKind, Notification
from supabase_api.flows.errors import PhoneProviderDisabled
from supabase_api.flows.pkce import PkceChallenge
from supabase_api.flows.resend import ResendRequest, resend
from supabase_api.models import FlowState

pytestmark = pytest.mark.django_db


def test_signup_resends_to_an_unconfirmed_user_only(make):
    make.user("pending@example.com")
    make.user("known@example.com", email_confirmed_at=timezone.now())
    for address in ("pending@example.com", "known@example.com", "nobody@example.com"):
        resend(ResendRequest(type="signup", email=address, redirect_to="https://app/"))
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("signup", "pending@example.com")
    assert notification.link.kind == LinkKind.SIGNUP


def test_email_change_resends_to_the_pending_new_address(make):
    make.user("kim@example.com", email_confirmed_at=timezone.now(), new_email="new@example.com")
    make.user("lee@example.com", email_confirmed_at=timezone.now())  # nothing pending
    for address in ("kim@example.com", "lee@example.com"):
        resend(ResendRequest(type="email_change", email=address, redirect_to="https://app/"))
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("email_change", "new@example.com")
    assert notification.link.kind == LinkKind.EMAIL_CHANGE_NEW


def test_a_pending_address_taken_meanwhile_sends_nothing_and_says_nothing(make):
    make.user("kim@example.com", email_confirmed_at=timezone.now(), new_email="new@example.com")
    make.user("new@example.com")
    resend(ResendRequest(type="email_change", email="kim@example.com"))
    assert not Notification.objects.exists()


@pytest.mark.parametrize("fields", [{"is_staff": True}, {"is_active": False}])
def test_staff_and_deactivated_users_get_nothing(make, fields):
    make.user("pending@example.com", **fields)
    resend(ResendRequest(type="signup", email="pending@example.com"))
    assert not Notification.objects.exists()


@pytest.mark.parametrize("resend_type", ["sms", "phone_change"])
def test_phone_types_are_phone_provider_disabled(resend_type):
    with pytest.raises(PhoneProviderDisabled):
        resend(ResendRequest(type=resend_type))


def test_a_pkce_challenge_starts_a_flow_for_the_new_link(make):
    make.user("pending@example.com")
    challenge = PkceChallenge(challenge="c" * 43, method="plain")
    resend(ResendRequest(type="signup", email="pending@example.com", pkce=challenge))
    assert FlowState.objects.get().link == Notification.objects.get().link
