"""Rotating SECRET_KEY (new key in SECRET_KEY, the old one in SECRET_KEY_FALLBACKS).

Before issue 12 the outbox key and the OTP key were derived from SECRET_KEY alone, so a rotation
made every queued email fail ("undecryptable") and every open code stop matching. Now what was
made with the old key is still accepted while it sits in the fallbacks, and what is made after
the rotation uses the new key only. Each "without the fallback" case is the control: it shows
what a rotation did before.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks import tokens
from magiclinks.flows.issue import issue_link
from magiclinks.models import LinkKind, Notification, NotificationStatus
from magiclinks.notifications import crypto
from magiclinks.notifications.delivery import deliver
from magiclinks.notifications.outbox import queue_link_email
from tests.supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db

OLD = "old-secret-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
NEW = "new-secret-key-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvutsrq"


@pytest.fixture
def old_key(settings):
    settings.SECRET_KEY = OLD
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def rotate(settings, *, keep_old: bool = True) -> None:
    settings.SECRET_KEY = NEW
    settings.SECRET_KEY_FALLBACKS = [OLD] if keep_old else []


def queued_email(make, django_capture_on_commit_callbacks):
    """A partner link with its email queued (sealed now), not yet handed to a worker."""
    account = make.account()
    actor = Actor.partner(account.partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=actor,
        lifetime=timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=False):
        notification = queue_link_email(issued, kind="partner_login_link", actor=actor)
    return issued, notification


def test_an_email_queued_before_the_rotation_is_still_sent(
    old_key, make, django_capture_on_commit_callbacks
):
    issued, notification = queued_email(make, django_capture_on_commit_callbacks)
    rotate(old_key)
    assert deliver(notification.pk) == "sent"
    assert issued.secret in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_without_the_fallback_the_queued_email_fails_as_every_one_did_before(
    old_key, make, django_capture_on_commit_callbacks
):
    _, notification = queued_email(make, django_capture_on_commit_callbacks)
    rotate(old_key, keep_old=False)
    assert deliver(notification.pk) == "failed"
    assert Notification.objects.get(pk=notification.pk).last_error == (
        "sealed secret cannot be decrypted"
    )
    assert mail.outbox == []


def test_sealing_after_the_rotation_uses_the_new_key_only(old_key):
    rotate(old_key)
    sealed = crypto.seal("s" * 43, "123456")
    old_key.SECRET_KEY_FALLBACKS = []  # the old key retired: what was sealed since still opens
    assert crypto.unseal(sealed) == ("s" * 43, "123456")
    old_key.SECRET_KEY = OLD  # and the old key alone cannot open it
    with pytest.raises(ValueError):
        crypto.unseal(sealed)


def test_a_row_sealed_with_the_earlier_derivation_still_opens(old_key):
    # What the outbox wrote before the HKDF derivation: Fernet keyed by SHA-256(label + key).
    earlier = Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(b"linkgate.outbox:" + OLD.encode()).digest())
    )
    sealed = earlier.encrypt(json.dumps({"secret": "e" * 43, "otp": None}).encode())
    assert crypto.unseal(sealed) == ("e" * 43, None)
    rotate(old_key)
    assert crypto.unseal(sealed) == ("e" * 43, None)


def _generate_otp(client, email: str) -> str:
    response = client.post(
        "/auth/v1/admin/generate_link",
        {"type": "magiclink", "email": email},
        content_type="application/json",
        headers={**V2024, "Authorization": f"Bearer {new_service_key()}"},
    )
    assert response.status_code == 200, response.content
    return response.json()["email_otp"]


def _verify(client, email: str, otp: str):
    return client.post(
        "/auth/v1/verify",
        {"type": "magiclink", "email": email, "token": otp},
        content_type="application/json",
        headers=V2024,
    )


def test_a_code_sent_before_the_rotation_still_verifies(old_key, client):
    User.objects.create_user("otp@example.com", email_confirmed_at=timezone.now())
    otp = _generate_otp(client, "otp@example.com")
    rotate(old_key)
    response = _verify(client, "otp@example.com", otp)
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == "otp@example.com"


def test_without_the_fallback_the_code_stops_matching_as_before(old_key, client):
    User.objects.create_user("otp@example.com", email_confirmed_at=timezone.now())
    otp = _generate_otp(client, "otp@example.com")
    rotate(old_key, keep_old=False)
    response = _verify(client, "otp@example.com", otp)
    assert response.status_code == 403
    assert response.json()["code"] == "otp_expired"


def test_every_key_costs_one_mac_whichever_matches(old_key, monkeypatch):
    made = tokens.otp_mac("link-1", "123456")  # with OLD
    rotate(old_key)
    computed = []
    real = tokens.otp_mac
    monkeypatch.setattr(tokens, "otp_mac", lambda *a, **k: computed.append(1) or real(*a, **k))
    assert tokens.otp_matches(made, "link-1", "123456")
    assert not tokens.otp_matches(made, "link-1", "654321")
    assert computed == [1, 1, 1, 1]  # two keys, two checks: no early exit on a match


def test_the_otp_mac_is_the_one_stored_codes_were_made_with(old_key):
    """salted_hmac's key is SHA-256(salt + SECRET_KEY): the derivation tokens.py used to write
    by hand, so switching to it leaves every stored code valid."""
    by_hand = hmac.new(
        hashlib.sha256(b"linkgate.otp:" + OLD.encode()).digest(), b"link-1:123456", "sha256"
    ).hexdigest()
    assert tokens.otp_mac("link-1", "123456") == by_hand
