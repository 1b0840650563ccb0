"""Issue 11, item 4: concurrent wrong codes must never get more than OTP_MAX_ATTEMPTS guesses.

The review sent 16 wrong codes for one link at the same moment: 11 were checked instead of 5,
and with the right code in the burst it was accepted in 2 of 3 runs. Here every contender is a
real thread with its own PostgreSQL connection; they meet at a barrier and then call the verify
flow exactly as `POST /auth/v1/verify {email, token, type}` does (the per-IP and per-address
HTTP limits are a separate layer; this pins the engine's own guarantee).

Comparisons are counted with a spy around `tokens.otp_matches` (the one function that compares
a code with a link's stored MAC): it records which stored MAC each comparison was made against
and in which order, and then does the real comparison.
"""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks import tokens
from magiclinks.models import LoginLink
from supabase_api.flows.admin_links import LinkRequest, create_link
from supabase_api.flows.errors import VerifyFailed
from supabase_api.flows.verify import verify_email_otp

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 16
ROUNDS = 4
ACCEPTED = "accepted"


@pytest.fixture
def comparisons(monkeypatch) -> list[tuple[str, str]]:
    """(stored MAC, presented code) of every OTP comparison, in the order they happened."""
    seen: list[tuple[str, str]] = []
    real = tokens.otp_matches

    def spy(stored_mac, link_id, candidate):
        seen.append((stored_mac, candidate))  # list.append is atomic under the GIL
        return real(stored_mac, link_id, candidate)

    monkeypatch.setattr(tokens, "otp_matches", spy)
    return seen


def _issue(email: str):
    User.objects.create_user(email, email_confirmed_at=timezone.now())
    return create_link(
        LinkRequest(type="magiclink", email=email, lifetime=timedelta(hours=1)),
        actor=Actor.system("tests"),
    ).issued


def _wrong_codes(right: str, count: int) -> list[str]:
    return [f"{(int(right) + step) % 1_000_000:06d}" for step in range(1, count + 1)]


def _burst(email: str, codes: list[str]) -> list[object]:
    """Submit every code at the same moment, one thread each; "accepted" or the failure."""
    barrier = threading.Barrier(len(codes))
    outcomes: list[object] = [None] * len(codes)
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            try:
                verify_email_otp(email, codes[index], "magiclink")
                outcomes[index] = ACCEPTED
            except VerifyFailed as exc:
                outcomes[index] = exc.failure
        except BaseException as exc:  # reported below: a silent thread would hide a bug
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(codes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return outcomes


def _wrong_code_events(link: LoginLink) -> int:
    return AuditEvent.objects.filter(
        event="login_link.redeem_failed", link_id=link.pk, details__reason="wrong_code"
    ).count()


def test_sixteen_simultaneous_wrong_codes_get_exactly_five_guesses(postgres, comparisons):
    for round_no in range(ROUNDS):
        email = f"target{round_no}@example.com"
        issued = _issue(email)
        comparisons.clear()
        outcomes = _burst(email, _wrong_codes(issued.otp, CONTENDERS))

        link = LoginLink.objects.get(pk=issued.link.pk)
        against_link = [code for mac, code in comparisons if mac == link.otp_mac]
        assert ACCEPTED not in outcomes
        assert len(against_link) == 5, f"round {round_no}: {len(against_link)} guesses checked"
        assert link.otp_failed_attempts == 5, f"round {round_no}"
        assert _wrong_code_events(link) == 5, f"round {round_no}"
        assert link.used_at is None


def test_right_code_in_a_burst_counts_only_among_the_first_five(postgres, comparisons):
    for round_no in range(ROUNDS):
        email = f"burst{round_no}@example.com"
        issued = _issue(email)
        codes = [*_wrong_codes(issued.otp, CONTENDERS - 1), issued.otp]
        random.shuffle(codes)
        comparisons.clear()
        outcomes = _burst(email, codes)

        link = LoginLink.objects.get(pk=issued.link.pk)
        against_link = [code for mac, code in comparisons if mac == link.otp_mac]
        accepted = outcomes[codes.index(issued.otp)] == ACCEPTED
        assert outcomes.count(ACCEPTED) == (1 if accepted else 0)
        assert len(against_link) <= 5, f"round {round_no}: {len(against_link)} guesses checked"
        # Accepted if and only if the right code was one of the (at most 5) evaluations.
        assert accepted == (issued.otp in against_link), f"round {round_no}: {against_link}"
        assert _wrong_code_events(link) == link.otp_failed_attempts
        if accepted:
            assert against_link[-1] == issued.otp  # nothing was compared after it won
            assert link.otp_failed_attempts == len(against_link) - 1
            # Never a used link marked invalidated (the old exhaustion step did that).
            assert link.used_at is not None and link.invalidated_at is None
        else:
            assert len(against_link) == 5 and link.otp_failed_attempts == 5
            assert link.used_at is None
