"""supabase_api.flows.own_user, called directly with its typed input (no HTTP).

The HTTP tests (tests/test_supabase_api_*.py) prove the behaviour through the views; these pin it
at the flow boundary: typed values in, a FlowError out (never a GoTrue error or an HTTP status),
and the effects (rows, links, sessions, queued emails) committed or not at all.
"""

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkKind, Notification
from supabase_api.flows import own_user
from supabase_api.flows.errors import (
    EmailExists,
    ReauthenticationNeeded,
    SamePassword,
    WeakPassword,
)
from supabase_api.flows.pkce import PkceChallenge
from supabase_api.models import AuthSession, FlowState
from supabase_api.sessions import start_session

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("tests")
GOOD = "a long and unusual passphrase 42"


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


def test_own_user_same_password_is_refused_and_changes_nothing():
    user = User.objects.create_user(
        "kim@example.com", password=GOOD, email_confirmed_at=timezone.now()
    )
    mine, other = start_session(user, method="otp"), start_session(user, method="otp")
    with pytest.raises(SamePassword):
        own_user.update_own_user(
            user, mine.session, own_user.OwnChanges(password=GOOD, data={"n": 1})
        )
    user.refresh_from_db()
    assert user.user_metadata == {} and user.check_password(GOOD)
    assert AuthSession.objects.get(pk=other.session.pk).revoked_at is None


def test_own_user_email_change_with_a_challenge_starts_a_pkce_flow():
    user = User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    session = start_session(user, method="otp").session
    challenge = PkceChallenge(challenge="c" * 43, method="plain")
    own_user.update_own_user(
        user, session, own_user.OwnChanges(new_email="new@example.com", pkce=challenge)
    )
    flow = FlowState.objects.get()
    assert flow.link.kind == LinkKind.EMAIL_CHANGE_NEW and flow.link.new_email == "new@example.com"


def test_own_user_password_change_from_an_old_session_needs_the_nonce(settings):
    settings.SECURE_PASSWORD_CHANGE = True
    settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS = 0
    user = User.objects.create_user("kim@example.com", email_confirmed_at=timezone.now())
    before = User.objects.get(pk=user.pk).password
    session = start_session(user, method="otp").session
    with pytest.raises(WeakPassword):  # the strength first: a weak password costs no code
        own_user.update_own_user(user, session, own_user.OwnChanges(password="short"))
    with pytest.raises(ReauthenticationNeeded):
        own_user.update_own_user(user, session, own_user.OwnChanges(password=GOOD))
    assert User.objects.get(pk=user.pk).password == before
