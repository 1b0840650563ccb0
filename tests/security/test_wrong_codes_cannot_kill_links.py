"""Issue 11, item 5: anybody who knows an address could kill that person's emailed link.

Five anonymous wrong codes for a known address used to invalidate the link. Now wrong codes
disable the CODE only (audited `login_link.otp_disabled`); the link keeps working by its action
link and its hashed_token. And `POST /verify` with email + code is limited per address as well
as per IP, so guesses spread over many source addresses still hit a wall.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.models import LinkStatus, LoginLink, Notification
from magiclinks.notifications.delivery import deliver
from supabase_api.flows.admin_links import LinkRequest, create_link
from tests.supabase_api_support import V2024

pytestmark = pytest.mark.django_db
VICTIM = "victim@example.com"
APP = "https://app.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = APP


def _verify(body: dict, ip: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=ip).post(
        "/auth/v1/verify", body, content_type="application/json", headers=V2024
    )


def _wrong(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def _emailed_link_and_code() -> tuple[str, str]:
    """The victim asks for a magic link (POST /otp); the email is sent as the worker sends it."""
    asked = Client().post(
        "/auth/v1/otp", {"email": VICTIM}, content_type="application/json", headers=V2024
    )
    assert asked.status_code == 200
    deliver(Notification.objects.get(recipient=VICTIM).pk)
    body = mail.outbox[-1].body
    action_link = re.search(r"\S+/auth/v1/verify\?\S+", body).group(0)
    code = re.search(r"enter this code: (\d{6})", body).group(1)
    return action_link, code


def _attacker_guesses(code: str, count: int = 5) -> None:
    for attempt in range(count):
        body = {"type": "magiclink", "email": VICTIM, "token": _wrong(code)}
        response = _verify(body, ip=f"198.51.100.{attempt + 1}")
        assert response.status_code == 403 and response.json()["code"] == "otp_expired"


def test_five_anonymous_wrong_codes_leave_the_emailed_link_working():
    User.objects.create_user(VICTIM, email_confirmed_at=timezone.now())
    action_link, code = _emailed_link_and_code()
    _attacker_guesses(code)

    # The victim opens the link from the email: the page, then its button.
    parts = urlsplit(action_link)
    browser = Client()
    assert browser.get(f"{parts.path}?{parts.query}").status_code == 200
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    confirm = browser.post("/auth/v1/verify/confirm", query)
    assert confirm.status_code == 303
    assert "#access_token=" in confirm["Location"], confirm["Location"]
    assert LoginLink.objects.get().status == LinkStatus.USED


def test_wrong_codes_disable_the_code_and_not_the_link():
    User.objects.create_user(VICTIM, email_confirmed_at=timezone.now())
    generated = create_link(
        LinkRequest(type="magiclink", email=VICTIM, lifetime=timedelta(hours=1)),
        actor=Actor.system("tests"),
    )
    issued = generated.issued
    _attacker_guesses(issued.otp)

    link = LoginLink.objects.get()
    assert link.status == LinkStatus.ACTIVE and link.invalidated_at is None
    assert link.invalidation_reason == ""
    disabled = AuditEvent.objects.filter(event="login_link.otp_disabled", link_id=link.pk)
    assert disabled.count() == 1
    assert disabled.get().details == {"failed_attempts": 5}
    assert not AuditEvent.objects.filter(event="login_link.invalidated").exists()

    # The code is dead even when it is right...
    right = _verify({"type": "magiclink", "email": VICTIM, "token": issued.otp})
    assert right.status_code == 403 and right.json()["code"] == "otp_expired"
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE
    # ...but the link still signs the victim in by its hashed_token.
    by_hash = _verify({"type": "magiclink", "token_hash": issued.hashed_token})
    assert by_hash.status_code == 200 and by_hash.json()["access_token"]


def test_codes_are_limited_per_address_across_many_source_ips(settings):
    settings.ADMIN_API_VERIFY_PER_ADDRESS_PER_5_MINUTES = 10
    User.objects.create_user(VICTIM, email_confirmed_at=timezone.now())
    for attempt in range(10):
        body = {"type": "magiclink", "email": VICTIM, "token": "000000"}
        assert _verify(body, ip=f"198.51.100.{attempt + 1}").status_code == 403
    # The 11th guess from an address never seen before is refused, case and spaces aside.
    body = {"type": "magiclink", "email": "  Victim@Example.COM ", "token": "000000"}
    limited = _verify(body, ip="192.0.2.200")
    assert limited.status_code == 429 and limited.json()["code"] == "over_request_rate_limit"
    assert int(limited["Retry-After"]) > 0
    # Other addresses are not affected from the same IP.
    other = _verify({"type": "magiclink", "email": "someone@example.com", "token": "000000"})
    assert other.status_code == 403


def test_the_per_address_limit_counts_unknown_addresses_too(settings):
    """A 429 must not tell an attacker which addresses have accounts."""
    settings.ADMIN_API_VERIFY_PER_ADDRESS_PER_5_MINUTES = 3
    User.objects.create_user(VICTIM, email_confirmed_at=timezone.now())
    for address in (VICTIM, "nobody@example.com"):
        statuses = [
            _verify(
                {"type": "recovery", "email": address, "token": "000000"}, ip=f"192.0.2.{n}"
            ).status_code
            for n in range(4)
        ]
        assert statuses == [403, 403, 403, 429], address
