"""The end-user endpoints at the HTTP level (supabase_api.views.end_user and POST /token's
password and pkce grants): bodies, status codes and upstream's error codes, limits, and the
PKCE redirect of /verify."""

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.models import User
from magiclinks.models import Notification
from magiclinks.notifications import crypto
from supabase_api import errors
from supabase_api.flows import errors as flow
from supabase_api.models import AuthSession, FlowState
from supabase_api.sessions import start_session

from .conftest import need
from .supabase_api_support import V2024

pytestmark = pytest.mark.django_db
GOOD = "a long and unusual passphrase 42"
VERIFIER = secrets.token_urlsafe(48)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


@pytest.fixture
def api(client, settings):
    settings.SITE_URL = "http://app.example.test"

    def call(method, path, body=None, token=None):
        headers = dict(V2024)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return getattr(client, method)(
            f"/auth/v1/{path}", body, content_type="application/json", headers=headers
        )

    return call


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.content
    assert response["x-sb-error-code"] == code


def signup(api, email="new@example.com", password=GOOD, **body):
    return api("post", "signup", {"email": email, "password": password, **body})


# ---- POST /signup


def test_signup_answers_the_new_user(api):
    response = signup(api, data={"plan": "free"})
    assert response.status_code == 200, response.content
    body = response.json()
    user = User.objects.get(email="new@example.com")
    assert body["id"] == str(user.pk) and body["user_metadata"] == {"plan": "free"}
    assert "email_confirmed_at" not in body and body["confirmation_sent_at"]
    assert "access_token" not in body
    assert Notification.objects.get().kind == "signup"


def test_signup_of_a_confirmed_address_is_the_obfuscated_user(api, make):
    known = make.user("known@example.com", email_confirmed_at=timezone.now())
    body = signup(api, "known@example.com").json()
    assert body["id"] != str(known.pk) and body["email"] == "known@example.com"
    assert body["identities"] == [] and "email_confirmed_at" not in body
    assert set(body) >= {"id", "aud", "role", "email", "created_at", "updated_at"}
    assert not Notification.objects.exists()


def test_signup_with_autoconfirm_answers_a_session_or_user_already_exists(api, settings, make):
    settings.MAILER_AUTOCONFIRM = True
    body = signup(api).json()
    assert body["access_token"] and body["refresh_token"] and body["user"]["email_confirmed_at"]
    make.user("known@example.com", email_confirmed_at=timezone.now())
    assert_error(signup(api, "known@example.com"), 422, "user_already_exists")


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"email": "new@example.com"}, 400, "validation_failed"),
        ({"email": "not an address", "password": GOOD}, 400, "validation_failed"),
        ({"email": "new@example.com", "password": "short"}, 422, "weak_password"),
        ({"phone": "+15555550100", "password": GOOD}, 400, "phone_provider_disabled"),
        (
            {"email": "new@example.com", "password": GOOD, "code_challenge": "x" * 43},
            400,
            "validation_failed",
        ),
        (
            {
                "email": "new@example.com",
                "password": GOOD,
                "code_challenge": "x" * 42,
                "code_challenge_method": "s256",
            },
            400,
            "validation_failed",
        ),
        (
            {
                "email": "new@example.com",
                "password": GOOD,
                "code_challenge": "x" * 43,
                "code_challenge_method": "md5",
            },
            400,
            "validation_failed",
        ),
    ],
)
def test_signup_refusals_change_nothing(api, body, status, code):
    assert_error(api("post", "signup", body), status, code)
    assert not User.objects.exists() and not Notification.objects.exists()


def test_signup_disabled(api, settings):
    settings.DISABLE_SIGNUP = True
    assert_error(signup(api), 422, "signup_disabled")


def test_signup_is_limited_per_address_and_per_ip(api, settings):
    settings.RATE_LIMITS = {"auth.signup.ip": "3/3600"}
    assert signup(api, "a@example.com").status_code == 200
    assert_error(signup(api, "a@example.com"), 429, "over_email_send_rate_limit")
    assert signup(api, "b@example.com").status_code == 200
    assert_error(api("post", "signup", "garbage"), 429, "over_email_send_rate_limit")


# ---- POST /token?grant_type=password


@pytest.fixture
def kim(make):
    return make.user("kim@example.com", password=GOOD, email_confirmed_at=timezone.now())


def password_grant(api, email="kim@example.com", password=GOOD):
    return api("post", "token?grant_type=password", {"email": email, "password": password})


def test_password_grant_answers_a_session_like_verify(api, kim):
    body = password_grant(api).json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "expires_at",
        "refresh_token",
        "user",
    }
    assert body["user"]["id"] == str(kim.pk) and body["token_type"] == "bearer"
    assert AuthSession.objects.get().method == "password"
    refreshed = api(
        "post", "token?grant_type=refresh_token", {"refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200


def test_password_grant_failures_are_one_answer(api, kim, make):
    make.user("pending@example.com", password=GOOD)
    answers = {
        password_grant(api, email, password).content
        for email, password in [
            ("nobody@example.com", GOOD),
            ("kim@example.com", "a wrong passphrase here"),
            ("pending@example.com", GOOD),
        ]
    }
    assert len(answers) == 1
    assert_error(password_grant(api, "nobody@example.com"), 400, "invalid_credentials")


def test_password_grant_of_a_banned_user(api, kim):
    User.objects.update(banned_until=timezone.now() + timedelta(days=1))
    assert_error(password_grant(api), 400, "user_banned")


def test_password_grant_is_limited_per_address_whatever_the_answer(api, kim, settings):
    settings.RATE_LIMITS = {"auth.password.address": "2/300"}
    for _ in range(2):
        assert_error(
            password_grant(api, password="a wrong passphrase here"), 400, "invalid_credentials"
        )
    assert_error(password_grant(api), 429, "over_request_rate_limit")
    assert password_grant(api, "nobody@example.com").status_code == 400  # other addresses go on


def test_password_grant_is_limited_per_ip_before_the_body(api, settings):
    settings.RATE_LIMITS = {"auth.password.ip": "1/300"}
    assert_error(api("post", "token?grant_type=password", "x"), 400, "bad_json")
    assert_error(password_grant(api), 429, "over_request_rate_limit")


def test_unknown_grant_types_are_refused(api):
    assert_error(api("post", "token?grant_type=id_token", {}), 400, "validation_failed")


# ---- PKCE: /otp with a challenge → /verify redirects with ?code= → grant_type=pkce


def action_link_of(notification) -> str:
    secret, _ = crypto.unseal(notification.encrypted_secret)
    return secret


def pkce_code(api, client, kim, redirect_to="http://app.example.test/cb?next=/home"):
    response = api(
        "post",
        f"otp?redirect_to={redirect_to}",
        {"email": kim.email, "code_challenge": CHALLENGE.decode(), "code_challenge_method": "S256"},
    )
    assert response.status_code == 200, response.content
    secret = action_link_of(Notification.objects.get())
    confirm = client.post(
        "/auth/v1/verify/confirm", {"token": secret, "type": "magiclink", "redirect_to": ""}
    )
    assert confirm.status_code == 303, confirm.content
    return confirm["Location"]


def test_verify_of_a_pkce_link_redirects_with_the_code_in_the_query(api, client, kim):
    location = urlsplit(pkce_code(api, client, kim))
    query = parse_qs(location.query)
    assert location.fragment == "" and query["next"] == ["/home"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code"][0])
    assert not AuthSession.objects.exists()


def test_pkce_grant_exchanges_the_code_once(api, client, kim):
    code = parse_qs(urlsplit(pkce_code(api, client, kim)).query)["code"][0]
    exchange = {"auth_code": code, "code_verifier": VERIFIER}
    assert_error(
        api("post", "token?grant_type=pkce", {**exchange, "code_verifier": "x" * 43}),
        400,
        "bad_code_verifier",
    )
    body = api("post", "token?grant_type=pkce", exchange).json()
    assert body["user"]["email"] == "kim@example.com" and body["access_token"]
    assert_error(api("post", "token?grant_type=pkce", exchange), 404, "flow_state_not_found")


def test_pkce_grant_of_an_expired_code(api, client, kim):
    code = parse_qs(urlsplit(pkce_code(api, client, kim)).query)["code"][0]
    FlowState.objects.update(auth_code_issued_at=timezone.now() - timedelta(hours=1))
    assert_error(
        api("post", "token?grant_type=pkce", {"auth_code": code, "code_verifier": VERIFIER}),
        422,
        "flow_state_expired",
    )


@pytest.mark.parametrize("body", [{}, {"auth_code": "x"}, {"auth_code": 1, "code_verifier": "y"}])
def test_pkce_grant_needs_both_values(api, body):
    assert_error(api("post", "token?grant_type=pkce", body), 400, "validation_failed")


def test_recover_accepts_a_challenge(api, kim):
    response = api(
        "post",
        "recover",
        {"email": kim.email, "code_challenge": VERIFIER[:50], "code_challenge_method": "plain"},
    )
    assert response.status_code == 200
    assert FlowState.objects.get().code_challenge_method == "plain"


def test_put_user_with_a_new_email_and_a_challenge_starts_a_pkce_flow(api, kim):
    token = password_grant(api).json()["access_token"]
    body = {
        "email": "new@example.com",
        "code_challenge": "c" * 43,
        "code_challenge_method": "plain",
    }
    assert api("put", "user", body, token).status_code == 200
    assert FlowState.objects.get().link.new_email == "new@example.com"
    # Without an email change nothing is emailed, and a challenge is ignored.
    assert api("put", "user", {"data": {"a": 1}, "code_challenge": "bad"}, token).status_code == 200
    assert FlowState.objects.count() == 1


# ---- POST /resend


def test_resend_signup_answers_empty_whatever_the_address(api, make):
    make.user("pending@example.com")
    for address in ("pending@example.com", "nobody@example.com"):
        response = api("post", "resend", {"type": "signup", "email": address})
        assert response.status_code == 200 and response.json() == {}
    assert Notification.objects.get().recipient == "pending@example.com"


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"type": "magiclink", "email": "a@example.com"}, 400, "validation_failed"),
        ({"type": "signup"}, 400, "validation_failed"),
        ({"type": "sms", "phone": "+15555550100"}, 400, "phone_provider_disabled"),
        ({"type": "phone_change", "phone": "+15555550100"}, 400, "phone_provider_disabled"),
    ],
)
def test_resend_refusals(api, body, status, code):
    assert_error(api("post", "resend", body), status, code)


# ---- GET /reauthenticate and PUT /user {password, nonce}


def session_for(api, kim) -> str:
    return password_grant(api).json()["access_token"]


def test_reauthenticate_emails_a_nonce_that_a_password_change_then_needs(api, kim, settings):
    settings.SECURE_PASSWORD_CHANGE = True
    settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS = 0  # every session is old
    token = session_for(api, kim)
    new = {"password": "a brand new passphrase 99"}
    assert_error(api("put", "user", new, token), 400, "reauthentication_needed")
    response = api("get", "reauthenticate", token=token)
    assert response.status_code == 200 and response.json() == {}
    _, nonce = crypto.unseal(Notification.objects.get(kind="reauthentication").encrypted_secret)
    wrong = "000000" if nonce != "000000" else "111111"
    assert_error(
        api("put", "user", {**new, "nonce": wrong}, token), 422, "reauthentication_not_valid"
    )
    assert api("put", "user", {**new, "nonce": nonce}, token).status_code == 200
    kim.refresh_from_db()
    assert kim.check_password("a brand new passphrase 99")


def test_reauthenticate_needs_a_session_and_a_confirmed_address(api, make):
    assert_error(api("get", "reauthenticate"), 401, "no_authorization")
    pending = make.user("pending@example.com", password=GOOD)
    token = start_session(pending, method="otp").access_token
    assert_error(api("get", "reauthenticate", token=token), 422, "email_not_confirmed")


def test_reauthenticate_is_limited_per_user(api, kim):
    token = session_for(api, kim)
    assert api("get", "reauthenticate", token=token).status_code == 200
    assert_error(api("get", "reauthenticate", token=token), 429, "over_email_send_rate_limit")


def test_the_codes_of_these_flows_are_all_in_auth_js_error_codes():
    listed = Path(__file__).parent / "node/node_modules/@supabase/auth-js/dist/module/lib"
    need((listed / "error-codes.d.ts").is_file(), "@supabase/auth-js (npm install in tests/node)")
    known = set(re.findall(r"'([a-z0-9_]+)'", (listed / "error-codes.d.ts").read_text()))
    ours = {
        errors.FLOW_ERRORS[cls][1]
        for name, cls in vars(flow).items()
        if isinstance(cls, type) and cls in errors.FLOW_ERRORS
    }
    assert ours - known == set()
    assert {"over_email_send_rate_limit", "over_request_rate_limit", "bad_json"} <= known
