"""Sessions (/token, /user, /logout), /admin/users error cases, /otp and /recover limits, at the
HTTP level."""

import uuid

import pytest
from django.utils import timezone

from accounts.models import User
from magiclinks.models import Notification
from magiclinks.notifications import crypto
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session

from .supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response["x-sb-error-code"] == code


@pytest.fixture
def admin(client):
    key = new_service_key()
    headers = {**V2024, "Authorization": f"Bearer {key}"}

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/auth/v1/admin/users{path}",
            body,
            content_type="application/json",
            headers=headers,
        )

    return call


def user_session(email="known@example.com"):
    user = User.objects.create_user(email, email_confirmed_at=timezone.now())
    return start_session(user, method="otp")


def test_refresh_errors(client):
    token = client.post("/auth/v1/token?grant_type=password", {}, "application/json", headers=V2024)
    assert_error(token, 400, "validation_failed")
    for body in ({}, {"refresh_token": "nope"}, {"refresh_token": 5}):
        response = client.post(
            "/auth/v1/token?grant_type=refresh_token", body, "application/json", headers=V2024
        )
        assert_error(response, 400, "refresh_token_not_found")


def test_user_endpoint_needs_a_live_user_token(client):
    assert_error(client.get("/auth/v1/user", headers=V2024), 401, "no_authorization")
    bad = client.get("/auth/v1/user", headers={**V2024, "Authorization": "Bearer x.y.z"})
    assert_error(bad, 403, "bad_jwt")
    issued = user_session()
    ok = client.get(
        "/auth/v1/user", headers={**V2024, "Authorization": f"Bearer {issued.access_token}"}
    )
    assert ok.json()["email"] == "known@example.com"


def test_logout_scopes(client):
    first = user_session()
    second = start_session(first.user, method="otp")
    auth = {**V2024, "Authorization": f"Bearer {first.access_token}"}
    assert_error(
        client.post("/auth/v1/logout?scope=everything", headers=auth), 400, "validation_failed"
    )
    assert client.post("/auth/v1/logout?scope=others", headers=auth).status_code == 204
    assert AuthSession.objects.get(pk=second.session.pk).revoked_at is not None
    assert AuthSession.objects.get(pk=first.session.pk).revoked_at is None
    assert client.post("/auth/v1/logout?scope=local", headers=auth).status_code == 204
    assert AuthSession.objects.get(pk=first.session.pk).revoked_at is not None


def test_put_user_email_change_sends_a_link_to_the_new_address(client):
    issued = user_session()
    User.objects.create_user("taken@example.com")
    auth = {**V2024, "Authorization": f"Bearer {issued.access_token}"}
    taken = client.put(
        "/auth/v1/user", {"email": "taken@example.com"}, "application/json", headers=auth
    )
    assert_error(taken, 422, "email_exists")
    data = client.put("/auth/v1/user", {"data": [1]}, "application/json", headers=auth)
    assert_error(data, 400, "validation_failed")
    response = client.put(
        "/auth/v1/user",
        {"email": "New@Example.com", "data": {"k": 1}},
        "application/json",
        headers=auth,
    )
    assert response.status_code == 200
    assert response.json()["new_email"] == "new@example.com"
    assert response.json()["user_metadata"] == {"k": 1}
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == ("email_change", "new@example.com")
    _, otp = crypto.unseal(notification.encrypted_secret)
    verified = client.post(
        "/auth/v1/verify",
        {"type": "email_change", "email": "new@example.com", "token": otp},
        "application/json",
        headers=V2024,
    )
    assert verified.status_code == 200 and verified.json()["user"]["email"] == "new@example.com"


def test_put_user_checks_the_token_once_and_validates_the_new_address(client, monkeypatch):
    from supabase_api import sessions

    issued = user_session()
    auth = {**V2024, "Authorization": f"Bearer {issued.access_token}"}
    checks = []
    real = sessions.authenticate_access_token
    monkeypatch.setattr(
        sessions, "authenticate_access_token", lambda token: checks.append(token) or real(token)
    )
    changed = client.put(
        "/auth/v1/user", {"email": "other@example.com"}, "application/json", headers=auth
    )
    assert changed.status_code == 200 and checks == [issued.access_token]  # one check
    # A malformed new address is refused as upstream words it, naming new_email; the current
    # address, however written, is no change.
    for email, message in [
        (5, "new_email must be a string"),
        ("nope", "Unable to validate new_email address: invalid format"),
        ("", "new_email is required"),
    ]:
        response = client.put("/auth/v1/user", {"email": email}, "application/json", headers=auth)
        assert_error(response, 400, "validation_failed")
        assert response.json()["message"] == message
    same = client.put(
        "/auth/v1/user", {"email": " Known@Example.com "}, "application/json", headers=auth
    )
    assert same.status_code == 200 and same.json()["new_email"] == "other@example.com"
    # A malformed body is a 400 before the token is looked at (as before the move).
    garbage = client.put("/auth/v1/user", "[1]", "application/json", headers=V2024)
    assert_error(garbage, 400, "bad_json")


def test_admin_user_not_found_and_bad_id(admin):
    assert_error(admin("get", f"/{uuid.uuid4()}"), 404, "user_not_found")
    assert_error(admin("get", "/not-a-uuid"), 400, "validation_failed")
    assert_error(admin("put", f"/{uuid.uuid4()}", {}), 404, "user_not_found")
    assert_error(admin("delete", f"/{uuid.uuid4()}", {}), 404, "user_not_found")


def test_admin_create_errors(admin):
    assert_error(admin("post", "", {}), 400, "validation_failed")
    assert_error(admin("post", "", {"email": "bad"}), 400, "validation_failed")
    weak = admin("post", "", {"email": "a@example.com", "password": "abc"})
    assert_error(weak, 422, "weak_password")
    assert_error(
        admin("post", "", {"email": "a@example.com", "user_metadata": "x"}),
        400,
        "validation_failed",
    )
    assert not User.objects.exists()
    assert admin("post", "", {"email": "a@example.com"}).status_code == 200
    assert_error(admin("post", "", {"email": "A@example.com"}), 422, "email_exists")


def test_admin_update_errors_change_nothing(admin):
    User.objects.create_user("taken@example.com")
    user = User.objects.create_user("me@example.com", user_metadata={"k": 1})
    for body, status, code in [
        ({"email": "taken@example.com"}, 422, "email_exists"),
        ({"ban_duration": "forever"}, 400, "validation_failed"),
        ({"ban_duration": "24h", "password": "1"}, 422, "weak_password"),
        ({"app_metadata": [], "user_metadata": {"k": 2}}, 400, "validation_failed"),
        ({"email_confirm": "yes"}, 400, "validation_failed"),
    ]:
        assert_error(admin("put", f"/{user.pk}", body), status, code)
    user.refresh_from_db()
    assert (user.email, user.user_metadata, user.banned_until) == ("me@example.com", {"k": 1}, None)


def test_admin_ban_revokes_sessions(admin):
    issued = user_session()
    response = admin("put", f"/{issued.user.pk}", {"ban_duration": "1h30m"})
    assert response.status_code == 200 and "banned_until" in response.json()
    assert AuthSession.objects.get().revoked_at is not None


def test_admin_list_pagination_errors_and_headers(admin):
    assert_error(admin("get", "?page=0"), 400, "validation_failed")
    assert_error(admin("get", "?per_page=x"), 400, "validation_failed")
    empty = admin("get", "")
    assert empty.json() == {"aud": "authenticated", "users": []}
    assert empty["x-total-count"] == "0"
    assert empty["link"] == '</auth/v1/admin/users?page=1&per_page=50>; rel="last"'


@pytest.mark.parametrize("endpoint", ["otp", "recover"])
def test_public_email_endpoints_validate_and_limit_per_address(client, settings, endpoint):
    bad = client.post(f"/auth/v1/{endpoint}", {"email": "nope"}, "application/json", headers=V2024)
    assert_error(bad, 400, "validation_failed")
    body = {"email": "stranger@example.com", "create_user": False}
    first = client.post(f"/auth/v1/{endpoint}", body, "application/json", headers=V2024)
    assert first.status_code == 200 and first.json() == {}
    # Counted for an unknown address too: a 429 says nothing about who is registered.
    again = client.post(f"/auth/v1/{endpoint}", body, "application/json", headers=V2024)
    assert_error(again, 429, "over_email_send_rate_limit")
    assert "Retry-After" in again


def test_public_email_endpoints_limit_per_ip(client, settings):
    settings.ADMIN_API_EMAILS_PER_IP_PER_HOUR = 2
    for n in range(2):
        body = {"email": f"s{n}@example.com", "create_user": False}
        assert client.post("/auth/v1/otp", body, "application/json").status_code == 200
    limited = client.post(
        "/auth/v1/otp", {"email": "s9@example.com"}, "application/json", headers=V2024
    )
    assert_error(limited, 429, "over_email_send_rate_limit")


def test_openapi_schema_lists_only_auth_v1_paths(client):
    response = client.get("/auth/v1/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/auth/v1/admin/generate_link" in schema["paths"]
    assert "/auth/v1/admin/users/{user_id}" in schema["paths"]
    assert all(path.startswith("/auth/v1/") for path in schema["paths"])
    assert "/auth/v1/schema/" not in schema["paths"]


def test_unstorable_or_ill_typed_input_is_400_not_500(admin, client):
    user = User.objects.create_user("me@example.com")
    nul = admin("put", f"/{user.pk}", {"user_metadata": {"k": "a\u0000b"}})
    assert_error(nul, 400, "bad_json")
    surrogate = admin("put", f"/{user.pk}", '{"user_metadata": {"k": "\\ud800"}}')
    assert_error(surrogate, 400, "bad_json")
    assert_error(admin("get", "?filter=%00"), 400, "validation_failed")
    assert_error(admin("get", "?page=99999999999999"), 400, "validation_failed")
    assert admin("get", "?page=&per_page=").status_code == 200  # what the Python client sends
    body_null = admin("put", f"/{user.pk}", "null")
    assert_error(body_null, 400, "bad_json")
    flag = client.post(
        "/auth/v1/otp",
        {"email": "a@example.com", "create_user": {}},
        "application/json",
        headers=V2024,
    )
    assert_error(flag, 400, "validation_failed")
    bad_type = client.get("/auth/v1/verify?type=sms&token=abc", headers=V2024)
    assert_error(bad_type, 400, "validation_failed")
    user.refresh_from_db()
    assert user.user_metadata == {}
