"""supabase_api.flows: each Admin API use case called directly with its typed input, no HTTP.

What the HTTP tests (tests/test_supabase_api_*.py) prove through the views, these pin at the
flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status), and the
effects (rows, links, sessions, queued emails) committed or not at all.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.flows.errors import FlowError
from magiclinks.flows.redeem import RedeemFailure
from magiclinks.models import LinkKind, LoginLink, Notification
from supabase_api.flows import admin_links, admin_users, email_links, own_user, verify
from supabase_api.flows.errors import (
    EmailExists,
    NoUserWithEmail,
    SignupDisabled,
    SignupNeedsPassword,
    UserNotFound,
    VerifyFailed,
    WeakPassword,
)
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


def link_request(kind=LinkKind.MAGICLINK, email="kim@example.com", **fields):
    return admin_links.LinkRequest(type=kind, email=email, redirect_to="https://app/", **fields)


# --- admin_links ---------------------------------------------------------------------------


def test_admin_links_magic_link_for_an_unknown_address_signs_up():
    generated = admin_links.create_link(link_request(), actor=ADMIN)
    assert generated.verification_type == LinkKind.SIGNUP
    assert User.objects.get(email="kim@example.com").has_usable_password() is False
    assert generated.action_link.startswith("http") and generated.issued.otp.isdigit()


def test_admin_links_refusals_are_flow_errors_and_write_nothing():
    with pytest.raises(NoUserWithEmail):
        admin_links.create_link(link_request(LinkKind.RECOVERY), actor=ADMIN)
    with pytest.raises(SignupNeedsPassword):
        admin_links.create_link(link_request(LinkKind.SIGNUP), actor=ADMIN)
    with pytest.raises(WeakPassword) as weak:
        admin_links.create_link(link_request(LinkKind.SIGNUP, password="123"), actor=ADMIN)
    assert "length" in weak.value.reasons
    assert not User.objects.exists() and not LoginLink.objects.exists()
    assert all(issubclass(cls, FlowError) for cls in (NoUserWithEmail, WeakPassword))


def test_admin_links_staff_are_a_taken_address_or_unknown(make):
    make.staff(email="boss@example.com")
    with pytest.raises(EmailExists):
        admin_links.create_link(link_request(email="boss@example.com"), actor=ADMIN)
    with pytest.raises(NoUserWithEmail):
        admin_links.create_link(link_request(LinkKind.RECOVERY, "boss@example.com"), actor=ADMIN)
    assert not LoginLink.objects.exists()


# --- email_links ---------------------------------------------------------------------------


def test_email_links_queue_the_email_with_the_link(settings):
    email_links.invite_user(link_request(LinkKind.INVITE, "guest@example.com"), actor=ADMIN)
    assert Notification.objects.get().link.kind == LinkKind.INVITE
    settings.DISABLE_SIGNUP = True
    with pytest.raises(SignupDisabled):
        email_links.request_magic_link(link_request(email="new@example.com"), create_user=True)
    email_links.request_magic_link(link_request(email="new@example.com"), create_user=False)
    email_links.request_recovery(link_request(LinkKind.RECOVERY, "nobody@example.com"))
    assert Notification.objects.count() == 1  # nothing for the refused or unknown addresses


# --- verify --------------------------------------------------------------------------------


def test_verify_by_code_starts_a_session_and_a_wrong_code_is_verify_failed():
    User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    generated = admin_links.create_link(link_request(), actor=ADMIN)
    with pytest.raises(VerifyFailed) as failed:
        verify.verify_email_otp("kim@example.com", "000000", "magiclink")
    assert failed.value.failure == RedeemFailure.WRONG_CODE
    verified = verify.verify_email_otp("kim@example.com", generated.issued.otp, "magiclink")
    assert verified.session.user.email == "kim@example.com"
    assert verified.link.pk == generated.issued.link.pk
    assert "email" in verify.VERIFY_TYPES and AuthSession.objects.count() == 1


# --- admin_users ---------------------------------------------------------------------------


def test_admin_users_create_update_delete():
    user = admin_users.create_user(
        admin_users.UserChanges(email="kim@example.com", password=GOOD, named=("email",)),
        actor=ADMIN,
    )
    assert user.check_password(GOOD)
    with pytest.raises(EmailExists):
        admin_users.create_user(admin_users.UserChanges(email="kim@example.com"), actor=ADMIN)
    changes = admin_users.UserChanges(app_metadata={"tier": "gold"}, ban=timedelta(hours=1))
    admin_users.update_user(admin_users.get_user(user.pk), changes, actor=ADMIN)
    assert User.objects.get(pk=user.pk).is_banned
    admin_users.delete_user(user, soft=False, actor=ADMIN)
    with pytest.raises(UserNotFound):
        admin_users.get_user(user.pk)
    with pytest.raises(UserNotFound):
        admin_users.get_user(uuid.uuid4())


def test_admin_users_listing_hides_staff(make):
    make.user(email="kim@example.com")
    make.staff(email="boss@example.com")
    assert [u.email for u in admin_users.listed_users()] == ["kim@example.com"]
    assert list(admin_users.listed_users("boss")) == []


# --- own_user ------------------------------------------------------------------------------


def test_own_user_password_change_signs_out_the_other_sessions():
    user = User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    mine, other = start_session(user, method="otp"), start_session(user, method="otp")
    own_user.update_own_user(user, mine.session, own_user.OwnChanges(password=GOOD))
    assert AuthSession.objects.get(pk=other.session.pk).revoked_at is not None
    assert AuthSession.objects.get(pk=mine.session.pk).revoked_at is None


def test_own_user_email_change_is_a_link_and_a_taken_address_changes_nothing(make):
    user = User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    session = start_session(user, method="otp").session
    changed = own_user.update_own_user(
        user, session, own_user.OwnChanges(new_email="new@example.com", redirect_to="https://a/")
    )
    assert changed.new_email == "new@example.com" and changed.email == "kim@example.com"
    assert Notification.objects.get().link.kind == LinkKind.EMAIL_CHANGE_NEW
    make.user(email="taken@example.com")
    with pytest.raises(EmailExists):
        own_user.update_own_user(
            user,
            session,
            own_user.OwnChanges(data={"theme": "dark"}, new_email="taken@example.com"),
        )
    assert User.objects.get(pk=user.pk).user_metadata == {}  # rolled back with the refusal
