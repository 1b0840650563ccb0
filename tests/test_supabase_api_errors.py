"""supabase_api.errors: the one table from the flows' refusals to GoTrue's status, code and
message, and the two wire formats."""

import inspect

import pytest
from django.test import RequestFactory

from magiclinks.flows.errors import AccountSuspended, FlowError
from magiclinks.flows.redeem import RedeemFailure
from supabase_api import errors
from supabase_api.flows import errors as flow


def flow_error_classes():
    return [
        cls
        for _, cls in inspect.getmembers(flow, inspect.isclass)
        if issubclass(cls, FlowError) and cls.__module__ == flow.__name__
    ]


@pytest.mark.parametrize("cls", flow_error_classes(), ids=lambda cls: cls.__name__)
def test_every_admin_api_flow_error_has_a_row(cls):
    # Its own or a parent's below FlowError: the generic fallback row does not count.
    assert any(parent in errors.FLOW_ERRORS for parent in cls.__mro__ if parent is not FlowError)


@pytest.mark.parametrize(
    ("exc", "status", "code", "message"),
    [
        (flow.EmailExists(), 422, "email_exists", flow.EmailExists.message),
        (flow.NoUserWithEmail(), 404, "user_not_found", "User with this email not found"),
        (flow.VerifyFailed.of(RedeemFailure.USED), 403, "otp_expired", flow.VerifyFailed.message),
        (flow.VerifyFailed.of(RedeemFailure.DISABLED), 403, "user_banned", "User is banned"),
        (flow.RefreshUserBanned(), 400, "user_banned", "Invalid Refresh Token: User Banned"),
        (flow.SessionUserGone(), 403, "user_not_found", flow.SessionUserGone.message),
        (
            flow.InvalidJwt("token has expired"),
            403,
            "bad_jwt",
            "invalid JWT: unable to parse or verify signature, token has expired",
        ),
        # A lower layer's refusal without a row of its own is a 400, never a 500.
        (AccountSuspended(), 400, "validation_failed", AccountSuspended.message),
    ],
)
def test_flow_errors_map_to_gotrue(exc, status, code, message):
    refusal = errors.from_flow_error(exc)
    assert (refusal.status, refusal.error_code, refusal.message) == (status, code, message)


def test_weak_password_carries_its_reasons_in_both_formats():
    exc = errors.from_flow_error(flow.WeakPassword("Too short.", ["length"]))
    request = RequestFactory().get(
        "/auth/v1/user", headers={"X-Supabase-Api-Version": "2024-01-01"}
    )
    body = errors.from_exception(request, exc)
    assert body.status_code == 422 and body["x-sb-error-code"] == "weak_password"
    assert b'"weak_password": {"reasons": ["length"]}' in body.content
    legacy = errors.from_exception(RequestFactory().get("/auth/v1/user"), exc)
    assert legacy.content.startswith(b'{"code": 422, "error_code": "weak_password"')
