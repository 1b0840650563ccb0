"""magiclinks.flows.errors: the typed refusals, and that every one the Partner API's flows raise
has its row in the API's one mapping table (magiclinks.partner_api.errors.FLOW_ERRORS)."""

import pytest

from magiclinks.flows import errors
from magiclinks.partner_api.errors import FLOW_ERRORS

REFUSALS = [
    errors.AccountSuspended,
    errors.UserNotOnAccount,
    errors.UserNotEligible,
    errors.InvalidRedirect,
    errors.AccountExists,
    errors.UserExists,
    errors.EmailInUse,
    errors.PrimaryUserMissing,
]


def test_a_refusal_carries_its_default_message_or_the_one_given():
    assert errors.UserExists().message == (
        "A user with this email address is already on the account."
    )
    refusal = errors.InvalidRedirect("redirect_url must use https.")
    assert refusal.message == str(refusal) == "redirect_url must use https."


@pytest.mark.parametrize("refusal", REFUSALS)
def test_every_refusal_is_a_flow_error_the_partner_api_maps(refusal):
    assert issubclass(refusal, errors.FlowError)
    assert refusal in FLOW_ERRORS
    status, code, _field = FLOW_ERRORS[refusal]
    assert 400 <= status < 500 and code.isupper()
