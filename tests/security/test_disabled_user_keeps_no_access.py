"""A deactivated or banned user's tokens stop working at once (issue 11, item 11).

The attack: a person signs in through the Admin API and keeps the access token (valid for an
hour) and the refresh token; then staff deactivate or ban them. Their old access token used to
keep working on GET/PUT /auth/v1/user and POST /logout until it expired. Now every user endpoint
refuses it with Supabase Auth's own answer, 403 `user_banned` "User is banned" (supabase/auth
requireAuthentication, PR #2642), and the refresh grant with upstream's 400 `user_banned`
"Invalid Refresh Token: User Banned" (internal/api/token_refresh.go). Deactivating or banning,
by any path, also revokes the user's Admin API sessions.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session
from tests.supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db


def _signed_in(email: str = "client@example.com"):
    user = User.objects.create_user(email, email_confirmed_at=timezone.now())
    return start_session(user, method="magiclink")


def _deactivate_behind_the_apis_back(user: User) -> None:
    # A queryset update runs no model code: the refusal must come from the request-time check.
    User.objects.filter(pk=user.pk).update(is_active=False)


def _ban_behind_the_apis_back(user: User) -> None:
    User.objects.filter(pk=user.pk).update(banned_until=timezone.now() + timedelta(days=1))


def _assert_banned_answer(response, status: int = 403, message: str = "User is banned") -> None:
    assert response.status_code == status, response.content
    assert response.json() == {"code": "user_banned", "message": message}
    assert response["x-sb-error-code"] == "user_banned"


def _every_user_endpoint(client: Client, issued) -> dict:
    auth = {**V2024, "Authorization": f"Bearer {issued.access_token}"}
    return {
        "GET /user": client.get("/auth/v1/user", headers=auth),
        "PUT /user": client.put(
            "/auth/v1/user", {"data": {"taken_over": True}}, "application/json", headers=auth
        ),
        "PUT /user (password)": client.put(
            "/auth/v1/user",
            {"password": "A-new-passphrase-42"},
            "application/json",
            headers=auth,
        ),
        "PUT /user (email)": client.put(
            "/auth/v1/user", {"email": "attacker@example.com"}, "application/json", headers=auth
        ),
        "POST /logout": client.post("/auth/v1/logout?scope=others", headers=auth),
    }


@pytest.mark.parametrize(
    "disable",
    [_deactivate_behind_the_apis_back, _ban_behind_the_apis_back],
    ids=["inactive", "banned"],
)
def test_old_access_token_is_refused_on_every_user_endpoint(client, disable):
    issued = _signed_in()
    disable(issued.user)
    for endpoint, response in _every_user_endpoint(client, issued).items():
        assert response.status_code == 403, endpoint
        _assert_banned_answer(response)
    user = User.objects.get(pk=issued.user.pk)
    # Refused means refused: nothing was changed and no email-change link was issued.
    assert user.user_metadata == {} and not user.has_usable_password()
    assert user.new_email == ""
    assert not AuditEvent.objects.filter(event__in=["user.updated", "session.revoked"]).exists()


@pytest.mark.parametrize(
    "disable",
    [_deactivate_behind_the_apis_back, _ban_behind_the_apis_back],
    ids=["inactive", "banned"],
)
def test_refresh_token_is_refused_with_upstreams_answer(client, disable):
    issued = _signed_in()
    disable(issued.user)
    response = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        {"refresh_token": issued.refresh_token},
        "application/json",
        headers=V2024,
    )
    _assert_banned_answer(response, 400, "Invalid Refresh Token: User Banned")


def test_admin_api_ban_revokes_sessions_so_unbanning_does_not_revive_them(client):
    issued = _signed_in()
    key = new_service_key()
    admin = {**V2024, "Authorization": f"Bearer {key}"}
    path = f"/auth/v1/admin/users/{issued.user.pk}"
    assert (
        client.put(path, {"ban_duration": "24h"}, "application/json", headers=admin).status_code
        == 200
    )
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None
    auth = {**V2024, "Authorization": f"Bearer {issued.access_token}"}
    _assert_banned_answer(client.get("/auth/v1/user", headers=auth))
    assert (
        client.put(path, {"ban_duration": "none"}, "application/json", headers=admin).status_code
        == 200
    )
    revived = client.get("/auth/v1/user", headers=auth)
    assert revived.status_code == 403 and revived.json()["code"] == "session_not_found"


def test_admin_api_soft_delete_refuses_the_old_token(client):
    issued = _signed_in()
    admin = {**V2024, "Authorization": f"Bearer {new_service_key()}"}
    path = f"/auth/v1/admin/users/{issued.user.pk}"
    deleted = client.delete(path, {"should_soft_delete": True}, "application/json", headers=admin)
    assert deleted.status_code == 200
    auth = {**V2024, "Authorization": f"Bearer {issued.access_token}"}
    _assert_banned_answer(client.get("/auth/v1/user", headers=auth))


def _post_user_form(client: Client, user: User, **changes) -> None:
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        user_metadata="{}",
        app_metadata="{}",
        groups=[],
        user_permissions=[],
        **{"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0},
    )
    data = {k: v for k, v in data.items() if not hasattr(v, "isoformat")}
    for field, value in changes.items():
        if value is None:
            data.pop(field, None)  # an unticked checkbox is absent from the POST
        else:
            data[field] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "changes",
    [{"is_active": None}, {"banned_until_0": "2099-01-01", "banned_until_1": "00:00:00"}],
    ids=["deactivated", "banned"],
)
def test_django_admin_deactivation_or_ban_revokes_admin_api_sessions(client, changes):
    issued = _signed_in()
    root = User.objects.create_superuser("root@example.com", "x-long-password-1")
    client.force_login(root)
    _post_user_form(client, issued.user, **changes)
    session = AuthSession.objects.get(pk=issued.session.pk)
    assert session.revoked_at is not None
    event = AuditEvent.objects.get(event="session.revoked", user_id=issued.user.pk)
    assert event.actor_type == "staff" and event.actor_id == str(root.pk)
    assert event.details["session_ids"] == [str(issued.session.pk)]


def test_a_banned_users_browser_session_ends(make):
    """The browser side of the same rule: Django's ModelBackend drops the session of a user who
    is no longer active, but knew nothing of bans; a banned person kept their account page."""
    person = make.user(email="banned-browser@example.com", password="Browser-Passw0rd-long")
    browser = Client()
    assert browser.login(username=person.email, password="Browser-Passw0rd-long")
    account_page = reverse("browser:account")
    assert browser.get(account_page).status_code == 200
    person.banned_until = timezone.now() + timedelta(days=1)
    person.save()
    response = browser.get(account_page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("browser:login"))
    assert not browser.login(username=person.email, password="Browser-Passw0rd-long")
