"""supabase_api.flows.reauthenticate: the emailed nonce, and the rule that a password change
from an old session needs it (SECURE_PASSWORD_CHANGE)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from magiclinks.models import LinkKind, LoginLink, Notification
from magiclinks.notifications import crypto
from magiclinks.notifications.rendering import render
from supabase_api.flows.errors import (
    ReauthenticationEmailNotConfirmed,
    ReauthenticationNeeded,
    ReauthenticationNotValid,
)
from supabase_api.flows.reauthenticate import require_nonce, send_nonce
from supabase_api.flows.verify import VERIFY_TYPES
from supabase_api.sessions import start_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def kim(make):
    return make.user("kim@example.com", email_confirmed_at=timezone.now())


def nonce_of(notification) -> str:
    _, otp = crypto.unseal(notification.encrypted_secret)
    return otp


def old_session(user, settings):
    session = start_session(user, method="magiclink").session
    session.created_at = timezone.now() - timedelta(
        seconds=settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS + 1
    )
    return session


def test_send_nonce_emails_a_six_digit_code(kim):
    send_nonce(kim)
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("reauthentication", "kim@example.com")
    assert notification.link.kind == LinkKind.REAUTHENTICATION
    assert len(nonce_of(notification)) == 6 and nonce_of(notification).isdigit()
    assert "reauthentication" not in VERIFY_TYPES  # the code signs nobody in


def test_an_unconfirmed_user_gets_no_nonce(make):
    with pytest.raises(ReauthenticationEmailNotConfirmed):
        send_nonce(make.user("pending@example.com"))
    assert not LoginLink.objects.exists()


def test_without_the_setting_or_with_a_recent_session_no_nonce_is_needed(kim, settings):
    session = old_session(kim, settings)
    require_nonce(kim, session, "")  # setting off
    settings.SECURE_PASSWORD_CHANGE = True
    require_nonce(kim, start_session(kim, method="magiclink").session, "")  # recent


def test_an_old_session_needs_the_nonce_and_it_works_once(kim, settings):
    settings.SECURE_PASSWORD_CHANGE = True
    session = old_session(kim, settings)
    with pytest.raises(ReauthenticationNeeded):
        require_nonce(kim, session, "")
    send_nonce(kim)
    nonce = nonce_of(Notification.objects.get())
    wrong = "000000" if nonce != "000000" else "111111"
    with pytest.raises(ReauthenticationNotValid):
        require_nonce(kim, session, wrong)
    require_nonce(kim, session, nonce)
    with pytest.raises(ReauthenticationNotValid):
        require_nonce(kim, session, nonce)


def test_an_expired_nonce_is_not_valid(kim, settings):
    settings.SECURE_PASSWORD_CHANGE = True
    send_nonce(kim)
    nonce = nonce_of(Notification.objects.get())
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ReauthenticationNotValid):
        require_nonce(kim, old_session(kim, settings), nonce)


def test_the_nonce_email_shows_the_code_and_no_link(kim):
    send_nonce(kim)
    notification = Notification.objects.get()
    secret, otp = crypto.unseal(notification.encrypted_secret)
    email = render(notification, url=f"https://x.test/verify?token={secret}", otp=otp)
    assert otp in email.text and otp in email.html
    assert secret not in email.text and secret not in email.html
    assert email.subject.endswith("confirmation code")
