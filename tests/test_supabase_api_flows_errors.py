"""supabase_api.flows.errors: the Admin API's typed refusals (their wire form is pinned in
tests/test_supabase_api_errors.py)."""

import pytest

from magiclinks.flows.errors import FlowError
from magiclinks.flows.redeem import RedeemFailure
from supabase_api.flows import errors


@pytest.mark.parametrize("failure", [None, *RedeemFailure])
def test_a_failed_verify_says_nothing_but_banned(failure):
    refusal = errors.VerifyFailed.of(failure)
    assert isinstance(refusal, errors.VerifyFailed) and isinstance(refusal, FlowError)
    assert refusal.failure == failure
    if failure == RedeemFailure.DISABLED:
        assert type(refusal) is errors.LinkUserBanned
        assert refusal.message == "User is banned"
    else:
        # Unknown, used, expired, invalidated, wrong code, protected: one answer.
        assert type(refusal) is errors.VerifyFailed
        assert refusal.message == "Token has expired or is invalid"


def test_refusals_carry_upstreams_messages():
    assert errors.NoUserWithEmail().message == "User with this email not found"
    assert isinstance(errors.NoUserWithEmail(), errors.UserNotFound)
    assert errors.InvalidJwt("token is expired").message == (
        "invalid JWT: unable to parse or verify signature, token is expired"
    )
    weak = errors.WeakPassword("Password is too short", ["length"])
    assert (weak.message, weak.reasons) == ("Password is too short", ["length"])
