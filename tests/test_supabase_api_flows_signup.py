"""supabase_api.flows.signup, called with its typed input (no HTTP): who is created, what is
sent, and upstream's obfuscated answer for an address that is already registered."""

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkKind, LoginLink, Notification
from magiclinks.notifications import crypto
from supabase_api.flows.admin_links import LinkRequest
from supabase_api.flows.email_links import send_link
from supabase_api.flows.errors import (
    InvalidCredentials,
    SignupDisabled,
    UserAlreadyRegistered,
    WeakPassword,
)
from supabase_api.flows.password import PasswordSignIn, sign_in_with_password
from supabase_api.flows.pkce import PkceChallenge
from supabase_api.flows.signup import SignedUp, SignupRequest, sign_up
from supabase_api.flows.verify import verify_email_otp, verify_secret
from supabase_api.models import AuthSession, FlowState

from .supabase_api_support import at_once

pytestmark = pytest.mark.django_db
GOOD = "a long and unusual passphrase 42"
CHALLENGE = PkceChallenge(challenge="c" * 43, method="plain")


def request(email="new@example.com", password=GOOD, **fields):
    return SignupRequest(
        email=email, password=password, data={"plan": "free"}, redirect_to="https://app/", **fields
    )


def test_a_new_address_is_created_with_its_password_and_sent_a_confirmation_link():
    result = sign_up(request())
    user = User.objects.get(email="new@example.com")
    assert result.user.pk == user.pk and not result.obfuscated and result.session is None
    assert user.check_password(GOOD) and user.email_confirmed_at is None
    assert user.user_metadata == {"plan": "free"}
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("signup", "new@example.com")
    assert notification.link.kind == LinkKind.SIGNUP
    assert notification.link.redirect_url == "https://app/"


def test_a_confirmed_address_gets_the_obfuscated_user_and_nothing_changes(make):
    known = make.user("known@example.com", email_confirmed_at=timezone.now())
    before = User.objects.get(pk=known.pk).password
    result = sign_up(request("known@example.com", password="another long passphrase 7"))
    assert (
        result.obfuscated and result.user.pk != known.pk and result.user.email_confirmed_at is None
    )
    assert not User.objects.filter(pk=result.user.pk).exists()  # a stand-in, never saved
    assert User.objects.get(pk=known.pk).password == before
    assert not Notification.objects.exists() and not LoginLink.objects.exists()


@pytest.mark.parametrize(
    "fields", [{"is_staff": True}, {"is_active": False}, {"banned_until": "2999-01-01T00:00Z"}]
)
def test_staff_deactivated_and_banned_addresses_get_the_same_obfuscated_answer(make, fields):
    make.user("someone@example.com", **fields)
    assert sign_up(request("someone@example.com")).obfuscated
    assert not Notification.objects.exists()


def test_an_unconfirmed_address_gets_a_new_link_and_keeps_its_password_and_data(make):
    pending = make.user("pending@example.com", password="the original passphrase 1")
    result = sign_up(request("pending@example.com", password="the attacker's passphrase 2"))
    pending.refresh_from_db()
    assert result.user.pk == pending.pk and not result.obfuscated
    assert pending.check_password("the original passphrase 1") and pending.user_metadata == {}
    assert Notification.objects.get().recipient == "pending@example.com"


def test_a_weak_password_is_refused_for_every_address_alike(make):
    make.user("known@example.com", email_confirmed_at=timezone.now())
    for address in ("known@example.com", "new@example.com"):
        with pytest.raises(WeakPassword):
            sign_up(request(address, password="short"))
    assert User.objects.count() == 1 and not Notification.objects.exists()


def test_disable_signup_refuses(settings):
    settings.DISABLE_SIGNUP = True
    with pytest.raises(SignupDisabled):
        sign_up(request())
    assert not User.objects.exists()


def test_autoconfirm_answers_a_session_and_refuses_an_existing_address(settings, make):
    settings.MAILER_AUTOCONFIRM = True
    result = sign_up(request())
    assert result.session is not None and result.session.session.method == "password"
    assert User.objects.get(email="new@example.com").email_confirmed_at is not None
    assert not Notification.objects.exists()
    make.user("known@example.com", email_confirmed_at=timezone.now())
    make.user("pending@example.com")
    for address in ("known@example.com", "pending@example.com"):
        # The unconfirmed one too: upstream would confirm it and hand over its session.
        with pytest.raises(UserAlreadyRegistered):
            sign_up(request(address))
    assert AuthSession.objects.count() == 1


def test_a_pkce_challenge_is_stored_beside_the_confirmation_link():
    sign_up(request(pkce=CHALLENGE))
    flow = FlowState.objects.get()
    assert flow.link == Notification.objects.get().link
    assert (flow.code_challenge, flow.code_challenge_method) == ("c" * 43, "plain")
    assert flow.auth_code_digest is None


def test_a_strangers_signup_password_dies_when_the_owner_signs_in_by_magic_link(make):
    sign_up(request("victim@example.com", password="the stranger's passphrase 9"))
    owner = User.objects.get(email="victim@example.com")
    magic = send_link(
        LinkRequest(type=LinkKind.MAGICLINK, email=owner.email), actor=Actor.user(owner)
    )
    verify_secret(magic.issued.secret, "magiclink")
    owner.refresh_from_db()
    assert owner.email_confirmed_at is not None and not owner.has_usable_password()
    with pytest.raises(InvalidCredentials):
        sign_in_with_password(
            PasswordSignIn(email=owner.email, password="the stranger's passphrase 9")
        )


def test_confirming_the_signup_link_keeps_the_password():
    sign_up(request())
    _, otp = crypto.unseal(Notification.objects.get().encrypted_secret)
    verify_email_otp("new@example.com", otp, "signup")
    assert User.objects.get(email="new@example.com").check_password(GOOD)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_signups_of_one_address_make_one_user(postgres):
    results = at_once(lambda: sign_up(request("race@example.com")))
    user = User.objects.get(email="race@example.com")
    assert all(isinstance(result, SignedUp) for result in results), results  # neither failed
    assert any(result.user.pk == user.pk for result in results)
