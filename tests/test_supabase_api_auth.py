"""Who may call the Admin API: service keys and service_role JWTs; the contract's error codes
and both error formats; JSON for unknown paths and methods."""

import time

import jwt
import pytest
from django.conf import settings
from django.utils import timezone

from accounts.key_services import revoke_service_key
from accounts.models import ServiceKey, User
from audit.actors import Actor
from supabase_api.sessions import start_session

from .supabase_api_support import V2024, new_service_key, service_role_jwt

pytestmark = pytest.mark.django_db
USERS = "/auth/v1/admin/users"


def get(client, token=None, path=USERS, headers=V2024):
    extra = dict(headers)
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    return client.get(path, headers=extra)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["x-sb-error-code"] == code
    assert response.json()["code"] == code
    assert response["X-Supabase-Api-Version"] == "2024-01-01"


@pytest.mark.parametrize("path", [USERS, "/auth/v1/admin/generate_link", "/auth/v1/invite"])
def test_missing_bearer_is_401_no_authorization(client, path):
    response = client.post(path, {}, content_type="application/json", headers=V2024)
    assert_error(response, 401, "no_authorization")


def test_legacy_error_format_without_the_version_header(client):
    response = get(client, headers={})
    assert response.status_code == 401
    assert response.json() == {
        "code": 401,
        "error_code": "no_authorization",
        "msg": "This endpoint requires a Bearer token",
    }
    assert response["x-sb-error-code"] == "no_authorization"
    assert "X-Supabase-Api-Version" not in response


def test_service_key_is_accepted_and_last_used_is_throttled(client):
    key = new_service_key()
    assert get(client, key).status_code == 200
    first_use = ServiceKey.objects.get().last_used_at
    assert first_use is not None
    assert get(client, key).status_code == 200
    assert ServiceKey.objects.get().last_used_at == first_use  # at most one write a minute


def test_revoked_and_unknown_service_keys_are_bad_jwt(client):
    key = new_service_key()
    revoke_service_key(ServiceKey.objects.get(), actor=Actor.system("tests"))
    assert_error(get(client, key), 403, "bad_jwt")
    assert_error(get(client, "lgsk_" + "A" * 43), 403, "bad_jwt")
    assert_error(get(client, "lgsk_short"), 403, "bad_jwt")


@pytest.mark.parametrize("role", ["service_role", "supabase_admin"])
def test_admin_role_jwts_are_accepted(client, role):
    assert get(client, service_role_jwt(role)).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b.c",
        # signed with another secret
        jwt.encode(
            {"role": "service_role"},
            "another-secret-that-is-long-enough-for-hs256",
            algorithm="HS256",
        ),
    ],
)
def test_bad_jwts_are_403_bad_jwt(client, token):
    assert_error(get(client, token), 403, "bad_jwt")


def test_expired_service_role_jwt_is_bad_jwt(client):
    assert_error(get(client, service_role_jwt(exp=int(time.time()) - 10)), 403, "bad_jwt")


def test_unsigned_alg_none_jwt_is_refused(client):
    token = jwt.encode({"role": "service_role"}, None, algorithm="none")
    assert_error(get(client, token), 403, "bad_jwt")


@pytest.mark.parametrize("role", ["authenticated", "anon", None])
def test_valid_jwt_without_admin_role_is_not_admin(client, role):
    claims = {"role": role} if role else {}
    token = jwt.encode(claims, settings.JWT_SECRET, algorithm="HS256")
    assert_error(get(client, token), 403, "not_admin")


def test_unknown_path_and_method_are_json(client):
    key = new_service_key()
    assert_error(get(client, key, "/auth/v1/nope"), 404, "not_found")
    response = client.patch(USERS, headers={**V2024, "Authorization": f"Bearer {key}"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    confirm = client.get("/auth/v1/verify/confirm", headers=V2024)
    assert_error(confirm, 405, "method_not_allowed")


def test_malformed_json_is_400_bad_json(client):
    response = client.post(
        "/auth/v1/admin/generate_link",
        "{not json",
        content_type="application/json",
        headers={**V2024, "Authorization": f"Bearer {new_service_key()}"},
    )
    assert_error(response, 400, "bad_json")
    array = client.post("/auth/v1/otp", "[1, 2]", content_type="application/json", headers=V2024)
    assert_error(array, 400, "bad_json")


def test_settings_and_health(client):
    settings_body = client.get("/auth/v1/settings").json()
    assert settings_body["external"]["email"] is True
    assert settings_body["disable_signup"] is False
    assert client.get("/auth/v1/health").json()["name"] == "GoTrue"


def test_timestamps_are_utc_rfc3339(client, make):
    user = make.user(email_confirmed_at=timezone.now())
    body = get(client, new_service_key(), f"{USERS}/{user.pk}").json()
    assert body["email_confirmed_at"].endswith("Z") and "T" in body["email_confirmed_at"]
    assert "invited_at" not in body  # unset timestamps are left out, as GoTrue's omitempty


def test_cors_preflight_and_headers_for_browser_apps(client):
    preflight = client.options(
        "/auth/v1/admin/users",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    # Errors carry the headers too, so the browser app can read them.
    refused = get(client, headers={**V2024, "Origin": "https://app.example.com"})
    assert refused.status_code == 401 and refused["Access-Control-Allow-Origin"] == "*"
    assert "X-Sb-Error-Code" in refused["Access-Control-Expose-Headers"]


def test_cors_headers_reach_every_auth_v1_answer_and_nothing_else(client):
    origin = {"Origin": "https://app.example.com"}
    missing = client.get("/auth/v1/nope", headers={**V2024, **origin})
    assert missing.status_code == 404 and missing["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/auth/v1/verify", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight["Access-Control-Max-Age"] == "600"
    assert "PUT" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/v1beta/health", headers=origin)


@pytest.mark.parametrize("stored_role", ["service_role", "supabase_admin"])
def test_a_user_with_an_admin_role_in_the_row_gets_no_admin_token(client, stored_role):
    # However the role reached the row (the Admin API refuses it), a user's access token never
    # carries an admin role, so it never administers users.
    user = User.objects.create_user(
        "kim@example.com", role=stored_role, email_confirmed_at=timezone.now()
    )
    issued = start_session(user, method="otp")
    claims = jwt.decode(
        issued.access_token, settings.JWT_SECRET, algorithms=["HS256"], audience="authenticated"
    )
    assert claims["role"] == "authenticated"
    assert_error(get(client, issued.access_token), 403, "not_admin")
