"""supabase_api.errors: the one table from the flows' refusals to GoTrue's status, code and
message, and the two wire formats."""

import ast
import inspect
import re
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from magiclinks.flows.errors import AccountSuspended, FlowError
from magiclinks.flows.redeem import RedeemFailure
from supabase_api import apps, errors
from supabase_api.flows import errors as flow

from .conftest import need

ROOT = Path(__file__).resolve().parent.parent
AUTH_JS_ERROR_CODES = (
    Path(__file__).parent / "node/node_modules/@supabase/auth-js/dist/module/lib/error-codes.d.ts"
)
# Codes for failures below the API, where Supabase Auth answers with no error code at all (its
# router's plain-text 404/405, its proxy's 413/503) or that it has no equivalent of (the
# CSRF-protected confirmation page): ours, documented in docs/admin-api.md. Everything else
# must be a code auth-js knows.
TRANSPORT_CODES = {
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "request_too_large",
    "service_unavailable",
    "csrf_failed",
}
# Calls whose second positional argument (or `error_code`) is a GoTrue error code.
_CODE_CALLS = {"GoTrueError": 1, "error_response": 2, "rate_limited": 1}


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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/auth/v1/nope"),
        ("get", "/auth/v1"),
        ("get", "/auth/v1/admin/users/x/y"),
        ("post", "/auth/v1/signup-typo"),
        ("get", "/v1beta"),
    ],
)
def test_unknown_api_paths_are_json_404_with_debug_on(settings, method, path):
    # `make run` has DEBUG on: Django's HTML technical 404 page must not answer an API path.
    settings.DEBUG = True
    response = getattr(Client(), method)(path, {}, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    if path.startswith("/auth/v1"):
        assert response.json()["error_code"] == "not_found"
        assert response["x-sb-error-code"] == "not_found"


@pytest.mark.django_db
def test_wrong_method_is_json_405_with_debug_on(settings):
    settings.DEBUG = True
    response = Client().delete("/auth/v1/health")
    assert response.status_code == 405
    assert response.json()["error_code"] == "method_not_allowed"


def _codes_in_source() -> set[str]:
    """Every literal error code passed to GoTrueError, error_response or rate_limited anywhere
    in supabase_api (so a code added in a new view is collected too)."""
    codes = {"over_request_rate_limit"}  # rate_limited's default
    for path in (ROOT / "supabase_api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in _CODE_CALLS:
                continue
            args = list(node.args)
            index = _CODE_CALLS[name]
            candidates = [args[index]] if len(args) > index else []
            candidates += [k.value for k in node.keywords if k.arg == "error_code"]
            codes |= {c.value for c in candidates if isinstance(c, ast.Constant)}
    return codes


def admin_api_error_codes() -> set[str]:
    return (
        {code for _, code in errors.FLOW_ERRORS.values()}
        | {code for _, code, _ in errors._DRF_CODES.values()}
        | {code for code, _ in apps._ADMIN_API_FAILURES.values()}
        | _codes_in_source()
    )


def test_every_error_code_is_one_auth_js_knows():
    need(
        AUTH_JS_ERROR_CODES.is_file(),
        "@supabase/auth-js's error-codes.d.ts (run `npm install` in tests/node)",
    )
    declared = AUTH_JS_ERROR_CODES.read_text()
    union = re.search(r"export type ErrorCode\s*=([^;]*);", declared)
    assert union, "ErrorCode type not found in auth-js"
    known = set(re.findall(r"'([a-z0-9_]+)'", union.group(1)))
    codes = admin_api_error_codes()
    assert "refresh_token_already_used" in codes and "same_password" in codes  # collected
    assert codes - TRANSPORT_CODES <= known, sorted(codes - TRANSPORT_CODES - known)
    # The exceptions stay few and really are unknown to auth-js (else they belong above).
    assert not TRANSPORT_CODES & known
