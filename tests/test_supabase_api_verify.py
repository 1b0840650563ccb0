"""/verify at the HTTP level: the scanner-safe page, the CSRF-protected confirmation, the JSON
verify's errors, the OTP attempt limit, per-IP limits, side effects and the access token."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkStatus, LoginLink
from supabase_api.flows.admin_links import LinkRequest, create_link

from .supabase_api_support import V2024

pytestmark = pytest.mark.django_db
APP = "https://app.example.com"


@pytest.fixture(autouse=True)
def _sites(settings):
    settings.SITE_URL = APP
    settings.REDIRECT_ALLOW_LIST = ["https://*.example.org/**"]


def issue(
    link_type="magiclink", email="known@example.com", new_email="", confirmed=True, redirect_to=APP
):
    if not User.objects.filter(email=email).exists():
        User.objects.create_user(email, email_confirmed_at=timezone.now() if confirmed else None)
    return create_link(
        LinkRequest(
            type=link_type,
            email=email,
            new_email=new_email,
            redirect_to=redirect_to,
            lifetime=timedelta(hours=1),
        ),
        actor=Actor.system("tests"),
    )


def page_url(generated, **overrides):
    query = parse_qs(urlsplit(generated.action_link).query)
    params = {key: values[0] for key, values in query.items()}
    params.update(overrides)
    return "/auth/v1/verify?" + urlencode({k: v for k, v in params.items() if v is not None})


def post_json(client, body):
    return client.post("/auth/v1/verify", body, content_type="application/json", headers=V2024)


def test_get_and_head_show_a_page_and_consume_nothing(client):
    generated = issue()
    for method in (client.get, client.head, client.get):
        response = method(page_url(generated))
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(page_url(generated)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and 'action="/auth/v1/verify/confirm"' in page
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE


@pytest.mark.parametrize("missing", ["type", "token"])
def test_missing_type_or_token_is_400_json(client, missing):
    response = client.get(page_url(issue(), **{missing: None}), headers=V2024)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert (
        post_json(
            client, {"token": "x"} if missing == "type" else {"type": "magiclink"}
        ).status_code
        == 400
    )


def test_confirmation_without_csrf_token_is_refused_in_json():
    generated = issue()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/auth/v1/verify/confirm",
        {"token": generated.issued.secret, "type": "magiclink"},
        headers=V2024,
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE


def test_confirmation_with_csrf_redeems_and_redirects_with_the_session():
    generated = issue(redirect_to="https://a.example.org/done#old")
    browser = Client(enforce_csrf_checks=True)
    browser.get(page_url(generated))
    response = browser.post(
        "/auth/v1/verify/confirm",
        {
            "token": generated.issued.secret,
            "type": "magiclink",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 303
    target, _, fragment = response["Location"].partition("#")
    assert target == "https://a.example.org/done"
    params = parse_qs(fragment)
    assert list(params) == [
        "access_token",
        "expires_at",
        "expires_in",
        "refresh_token",
        "token_type",
        "type",
    ]
    assert params["type"] == ["magiclink"] and params["expires_in"] == ["3600"]


def test_failed_confirmation_redirects_to_an_allowed_target_only(client, settings):
    settings.VERIFY_CONSUMES_ON_GET = True
    bad = "/auth/v1/verify?" + urlencode({"token": "A" * 43, "type": "magiclink"})
    allowed = client.get(bad + "&redirect_to=https%3A%2F%2Fx.example.org%2Fback")
    assert allowed["Location"].startswith("https://x.example.org/back#error=access_denied")
    refused = client.get(bad + "&redirect_to=https%3A%2F%2Fevil.example.net%2F")
    assert refused["Location"].startswith(APP + "#error=access_denied&error_code=otp_expired")


def test_consume_on_get_setting_restores_supabase_behaviour(client, settings):
    settings.VERIFY_CONSUMES_ON_GET = True
    response = client.get(page_url(issue()))
    assert response.status_code == 303 and "#access_token=" in response["Location"]
    assert LoginLink.objects.get().status == LinkStatus.USED


@pytest.mark.parametrize(
    "body",
    [
        {"type": "magiclink", "token_hash": "0" * 64},
        {"type": "magiclink", "token_hash": "not-hex"},
        {"type": "magiclink", "email": "known@example.com", "token": "000000"},
        {"type": "magiclink", "email": "ghost@example.com", "token": "123456"},
        {"type": "recovery", "token": "A" * 43},
    ],
)
def test_bad_tokens_are_403_otp_expired(client, body):
    issue()
    response = post_json(client, body)
    assert response.status_code == 403
    assert response.json() == {"code": "otp_expired", "message": "Token has expired or is invalid"}


def test_wrong_type_for_the_link_is_otp_expired_and_unsupported_type_is_400(client):
    generated = issue("recovery")
    wrong = post_json(client, {"type": "signup", "token_hash": generated.issued.hashed_token})
    assert wrong.status_code == 403
    unsupported = post_json(client, {"type": "sms", "token_hash": "0" * 64})
    assert unsupported.status_code == 400 and unsupported.json()["code"] == "validation_failed"


def test_five_wrong_codes_disable_the_code_not_the_link(client):
    generated = issue()
    wrong = "000000" if generated.issued.otp != "000000" else "111111"
    for _ in range(5):
        body = {"type": "magiclink", "email": "known@example.com", "token": wrong}
        assert post_json(client, body).status_code == 403
    link = LoginLink.objects.get()
    assert link.otp_failed_attempts == 5 and link.status == LinkStatus.ACTIVE
    right = {"type": "magiclink", "email": "known@example.com", "token": generated.issued.otp}
    assert post_json(client, right).status_code == 403
    by_hash = {"type": "magiclink", "token_hash": generated.issued.hashed_token}
    assert post_json(client, by_hash).status_code == 200


def test_verify_is_limited_per_ip(client, settings):
    settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES = 3
    for _ in range(3):
        assert post_json(client, {"type": "magiclink", "token_hash": "0" * 64}).status_code == 403
    limited = post_json(client, {"type": "magiclink", "token_hash": "0" * 64})
    assert limited.status_code == 429
    assert limited.json()["code"] == "over_request_rate_limit"
    assert int(limited["Retry-After"]) > 0


def test_banned_user_cannot_verify(client):
    generated = issue()
    User.objects.update(banned_until=timezone.now() + timedelta(hours=1))
    response = post_json(client, {"type": "magiclink", "token_hash": generated.issued.hashed_token})
    assert response.status_code == 403 and response.json()["code"] == "user_banned"


def test_recovery_confirms_an_unconfirmed_user(client):
    generated = issue("recovery", confirmed=False)
    body = {"type": "recovery", "token_hash": generated.issued.hashed_token}
    assert post_json(client, body).status_code == 200
    assert User.objects.get().email_confirmed_at is not None


def test_email_change_refused_when_the_address_was_taken_meanwhile(client):
    generated = issue("email_change_new", new_email="new@example.com")
    User.objects.create_user("new@example.com")
    body = {"type": "email_change", "token_hash": generated.issued.hashed_token}
    response = post_json(client, body)
    assert response.status_code == 422 and response.json()["code"] == "email_exists"
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE  # nothing changed
    assert User.objects.get(email="known@example.com").new_email == "new@example.com"


def test_email_change_new_code_is_entered_with_the_new_address(client):
    generated = issue("email_change_new", new_email="new@example.com")
    body = {"type": "email_change", "email": "new@example.com", "token": generated.issued.otp}
    assert post_json(client, body).status_code == 200
    assert User.objects.filter(email="new@example.com").exists()


def test_access_token_claims(client, settings):
    generated = issue()
    User.objects.update(user_metadata={"name": "Kim"}, app_metadata={"plan": "pro"})
    body = post_json(
        client, {"type": "magiclink", "token_hash": generated.issued.hashed_token}
    ).json()
    claims = jwt.decode(
        body["access_token"], settings.JWT_SECRET, algorithms=["HS256"], audience="authenticated"
    )
    user = User.objects.get()
    assert claims["sub"] == str(user.pk) and claims["email"] == user.email
    assert claims["role"] == "authenticated" and claims["aud"] == "authenticated"
    assert claims["exp"] - claims["iat"] == settings.JWT_EXPIRY_SECONDS == body["expires_in"]
    assert claims["amr"][0]["method"] == "otp"  # upstream: every email verification
    assert claims["user_metadata"] == {"name": "Kim"}
    assert claims["app_metadata"]["plan"] == "pro"
    assert claims["session_id"] == str(user.auth_sessions.get().pk)
    assert body["token_type"] == "bearer" and body["user"]["id"] == str(user.pk)


def test_unreachable_limit_store_is_503_json(client, settings):
    # A real Redis client pointed at a closed port: the limit cannot be counted, limits fail
    # closed, and the answer is GoTrue-shaped JSON, never a 500 page.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.RATELIMIT_FAIL_OPEN = False
    response = post_json(client, {"type": "magiclink", "token_hash": "0" * 64})
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["x-sb-error-code"] == "service_unavailable"


def test_get_verify_accepts_the_hashed_token(client, settings):
    # Upstream's action links carry the hashed token, and templates build
    # `/verify?token={{ .TokenHash }}&type=…` URLs: the same GET signs in with it.
    settings.VERIFY_CONSUMES_ON_GET = True
    generated = issue("recovery")
    response = client.get(page_url(generated, token=generated.issued.hashed_token))
    assert response.status_code == 303 and "#access_token=" in response["Location"]
    assert LoginLink.objects.get().status == LinkStatus.USED
    again = client.get(page_url(generated, token=generated.issued.hashed_token))
    assert "error_code=otp_expired" in again["Location"]


def test_type_email_accepts_a_recovery_code(client):
    # Upstream: type "email" checks the confirmation token, then the recovery token.
    generated = issue("recovery")
    body = {"type": "email", "email": "known@example.com", "token": generated.issued.otp}
    response = post_json(client, body)
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["amr"][0]["method"] == "otp"
