"""Issue 11, item 8: `POST /verify {email, token, type: recovery}` answered an unknown address in
half the time of a known one, which tells an attacker who has an account.

Wall-clock timings are not asserted (they are noise on a shared machine). The deterministic
proxy is the work itself: the same SQL statements (same shape, same order, same count, so the
same round trips) and the same number of OTP MAC computations, for an unknown address, a known
address with a wrong code, a known address without an open link, and a known address whose
code was disabled by wrong guesses.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks import tokens
from magiclinks.models import LoginLink
from supabase_api.flows.admin_links import LinkRequest, create_link
from tests.supabase_api_support import V2024

pytestmark = pytest.mark.django_db

# Literal values as Django renders them in the captured SQL: quoted strings, numbers, NULL,
# each with an optional cast; and the generated savepoint names.
_LITERALS = re.compile(r"(?:'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bNULL\b)(?:::\w+)?")
_SAVEPOINT = re.compile(r'"s\d+_x\d+"')


def _shape(sql: str) -> str:
    """A statement with its literal values blanked: what the database is asked to do."""
    return _LITERALS.sub("?", _SAVEPOINT.sub('"savepoint"', sql))


@pytest.fixture
def macs(monkeypatch) -> list[int]:
    """One entry per OTP MAC computed (HMAC-SHA256 over a code)."""
    computed: list[int] = []
    real = tokens.otp_mac

    def counting(link_id, otp, **key):
        computed.append(1)
        return real(link_id, otp, **key)

    monkeypatch.setattr(tokens, "otp_mac", counting)
    return computed


def _link(email: str, link_type: str = "recovery"):
    return create_link(
        LinkRequest(type=link_type, email=email, lifetime=timedelta(hours=1)),
        actor=Actor.system("tests"),
    ).issued


def _wrong(*codes: str) -> str:
    return next(f"{n:06d}" for n in range(100) if f"{n:06d}" not in codes)


def _measure(
    email: str, code: str, macs: list[int], verify_type: str = "recovery"
) -> tuple[int, list[str], list[int]]:
    macs.clear()
    with CaptureQueriesContext(connection) as captured:
        response = Client(REMOTE_ADDR="203.0.113.9").post(
            "/auth/v1/verify",
            {"type": verify_type, "email": email, "token": code},
            content_type="application/json",
            headers=V2024,
        )
    assert response.status_code == 403
    assert response.json() == {"code": "otp_expired", "message": "Token has expired or is invalid"}
    return len(captured), [_shape(q["sql"]) for q in captured.captured_queries], list(macs)


def test_unknown_and_known_addresses_do_the_same_work(settings, macs):
    settings.OTP_MAX_ATTEMPTS = 5
    now = timezone.now()
    for email in ("open@example.com", "nolink@example.com", "disabled@example.com"):
        User.objects.create_user(email, email_confirmed_at=now)
    open_code = _link("open@example.com").otp
    disabled = _link("disabled@example.com")
    LoginLink.objects.filter(pk=disabled.link.pk).update(otp_failed_attempts=5)

    cases = {
        "unknown address": _measure("ghost@example.com", "123456", macs),
        "known, wrong code": _measure("open@example.com", _wrong(open_code), macs),
        "known, no open link": _measure("nolink@example.com", "123456", macs),
        "known, code disabled": _measure("disabled@example.com", disabled.otp, macs),
    }
    reference_count, reference_shapes, reference_macs = cases["known, wrong code"]
    assert reference_macs == [1]  # one link, one HMAC
    for name, (count, shapes, computed) in cases.items():
        assert count == reference_count, f"{name}: {count} statements, not {reference_count}"
        assert shapes == reference_shapes, name
        assert computed == reference_macs, f"{name}: {len(computed)} MACs"


def test_the_work_does_not_depend_on_how_many_codes_are_open(macs):
    """`type: email` covers signup, invite and magic-link codes: a person can have two open
    (one per scope), and an unknown address must cost the same two MACs."""
    User.objects.create_user("one@example.com", email_confirmed_at=timezone.now())
    one = _link("one@example.com", "magiclink").otp
    User.objects.create_user("two@example.com")  # unconfirmed: a signup link is allowed too
    two = [_link("two@example.com", "signup").otp, _link("two@example.com", "magiclink").otp]
    assert LoginLink.objects.filter(user__email="two@example.com", used_at=None).count() == 2

    cases = {
        "unknown address": _measure("ghost@example.com", "123456", macs, "email"),
        "one open code": _measure("one@example.com", _wrong(one), macs, "email"),
        "two open codes": _measure("two@example.com", _wrong(*two), macs, "email"),
    }
    reference_count, reference_shapes, _ = cases["two open codes"]
    for name, (count, shapes, computed) in cases.items():
        assert count == reference_count, f"{name}: {count} statements, not {reference_count}"
        assert shapes == reference_shapes, name
        assert computed == [1, 1], f"{name}: {len(computed)} MACs"
