"""Finding 1 (high): an Admin API credential took over the Django admin.

A service key could `PUT /auth/v1/admin/users/<superuser id> {"password": …}` and the new
password then logged in at /admin/. Staff and superusers are now invisible to the Admin API
(accounts.protection): not listed, not readable, not writable, no links, no sessions.
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LoginLink, Notification
from supabase_api.flows.admin_links import LinkRequest, create_link
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session
from tests.supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db

ORIGINAL = "original-Passw0rd-of-the-boss"
ATTACKER = "attacker-Chosen-passw0rd-1"


@pytest.fixture
def admin_api(client):
    """Calls /auth/v1/... with a freshly minted service key (any service key will do)."""
    headers = {**V2024, "Authorization": f"Bearer {new_service_key()}"}

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/auth/v1{path}", body, content_type="application/json", headers=headers
        )

    return call


def protected_people():
    superuser = User.objects.create_superuser("boss@example.com", password=ORIGINAL)
    # Unconfirmed on purpose: signup and invite links are allowed for unconfirmed users.
    staff = User.objects.create_user("agent@example.com", password=ORIGINAL, is_staff=True)
    return [superuser, staff]


def error_code(response) -> str:
    return response.json()["code"]


def admin_login(email: str, password: str) -> Client:
    """Log in through the Django admin's own login form, as an attacker would."""
    browser = Client()
    browser.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return browser


def test_service_key_cannot_set_a_superuser_password_and_log_in_at_admin(admin_api):
    """The exact attack of the issue."""
    boss = User.objects.create_superuser("boss@example.com", password=ORIGINAL)
    response = admin_api("put", f"/admin/users/{boss.pk}", {"password": ATTACKER})
    assert response.status_code == 404 and error_code(response) == "user_not_found"
    attacker = admin_login("boss@example.com", ATTACKER)
    assert SESSION_KEY not in attacker.session
    assert attacker.get("/admin/").status_code == 302  # sent to the login page
    boss.refresh_from_db()
    assert boss.check_password(ORIGINAL) and not boss.check_password(ATTACKER)
    # The real owner still gets in: nothing about the account changed.
    assert admin_login("boss@example.com", ORIGINAL).get("/admin/").status_code == 200


def test_staff_are_not_listed_and_the_total_count_agrees(admin_api):
    protected_people()
    User.objects.create_user("client1@example.com")
    User.objects.create_user("client2@example.com")
    response = admin_api("get", "/admin/users?per_page=1")
    assert response["x-total-count"] == "2"
    everyone = admin_api("get", "/admin/users").json()["users"]
    assert sorted(user["email"] for user in everyone) == [
        "client1@example.com",
        "client2@example.com",
    ]
    for email in ("boss@", "agent@"):
        filtered = admin_api("get", f"/admin/users?filter={email}")
        assert filtered.json()["users"] == [] and filtered["x-total-count"] == "0"


@pytest.mark.parametrize("who", [0, 1], ids=["superuser", "staff"])
def test_get_put_delete_of_staff_answer_user_not_found_and_change_nothing(admin_api, who):
    person = protected_people()[who]
    before = User.objects.filter(pk=person.pk).values().get()
    path = f"/admin/users/{person.pk}"
    attempts = [
        admin_api("get", path),
        admin_api(
            "put",
            path,
            {
                "password": ATTACKER,
                "email": "attacker@evil.example",
                "user_metadata": {"x": 1},
                "app_metadata": {"role": "x"},
                "ban_duration": "24h",
            },
        ),
        admin_api("delete", path, {"should_soft_delete": True}),
        admin_api("delete", path, {}),
    ]
    for response in attempts:
        assert response.status_code == 404 and error_code(response) == "user_not_found"
    # The same answer as for an id that does not exist: nothing to tell them apart.
    unknown = admin_api("get", f"/admin/users/{uuid.uuid4()}")
    assert (unknown.status_code, unknown.json()) == (404, attempts[0].json())
    assert User.objects.filter(pk=person.pk).values().get() == before


@pytest.mark.parametrize(
    ("link_type", "status", "code"),
    [
        ("magiclink", 422, "email_exists"),
        ("signup", 422, "email_exists"),
        ("invite", 422, "email_exists"),
        ("recovery", 404, "user_not_found"),
        ("email_change_current", 404, "user_not_found"),
        ("email_change_new", 404, "user_not_found"),
    ],
)
def test_generate_link_for_a_staff_address_is_refused(admin_api, link_type, status, code):
    boss, agent = protected_people()
    for person in (boss, agent):
        body = {"type": link_type, "email": person.email, "password": ATTACKER}
        if link_type.startswith("email_change"):
            body["new_email"] = "attacker@evil.example"
        response = admin_api("post", "/admin/generate_link", body)
        assert response.status_code == status and error_code(response) == code, response.content
    assert not LoginLink.objects.exists()
    assert User.objects.count() == 2  # never a second row for the address
    boss.refresh_from_db()
    assert boss.check_password(ORIGINAL) and boss.new_email == ""


def test_invite_of_a_staff_address_is_refused(admin_api):
    for person in protected_people():
        response = admin_api("post", "/invite", {"email": person.email.upper()})
        assert response.status_code == 422 and error_code(response) == "email_exists"
    assert not LoginLink.objects.exists() and not Notification.objects.exists()
    assert User.objects.count() == 2


@pytest.mark.parametrize("endpoint", ["/otp", "/recover"])
def test_public_otp_and_recover_answer_as_usual_but_send_staff_nothing(client, endpoint):
    for person in protected_people():
        response = client.post(
            f"/auth/v1{endpoint}",
            {"email": person.email},
            content_type="application/json",
            headers=V2024,
        )
        assert (response.status_code, response.json()) == (200, {})
    assert not LoginLink.objects.exists() and not Notification.objects.exists()


def _admin_link(email: str, link_type: str = "magiclink"):
    return create_link(
        LinkRequest(type=link_type, email=email, lifetime=timedelta(hours=1)),
        actor=Actor.system("tests"),
    )


@pytest.mark.parametrize("form", ["token_hash", "email_otp"])
def test_verify_refuses_a_link_of_a_user_made_staff_after_it_was_issued(client, form):
    user = User.objects.create_user("later.staff@example.com", email_confirmed_at=timezone.now())
    generated = _admin_link(user.email)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    if form == "token_hash":
        body = {"type": "magiclink", "token_hash": generated.issued.link.token_digest}
    else:
        body = {"type": "email", "email": user.email, "token": generated.issued.otp}
    response = client.post("/auth/v1/verify", body, content_type="application/json", headers=V2024)
    assert response.status_code == 403 and error_code(response) == "otp_expired"
    assert "access_token" not in response.json()
    assert not AuthSession.objects.filter(user=user).exists()


def test_verify_action_link_of_a_user_made_superuser_signs_nobody_in(client):
    user = User.objects.create_user("later.boss@example.com", email_confirmed_at=timezone.now())
    generated = _admin_link(user.email, "recovery")
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    body = {"type": "recovery", "token": generated.issued.secret}
    response = client.post("/auth/v1/verify", body, "application/json", headers=V2024)
    assert response.status_code == 403
    assert not AuthSession.objects.filter(user=user).exists()


@pytest.fixture
def session_of_later_staff():
    """A user who signed in through the Admin API and was then made staff."""
    user = User.objects.create_user("later.staff@example.com", email_confirmed_at=timezone.now())
    issued = start_session(user, method="magiclink")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    return issued


def test_session_of_a_user_made_staff_cannot_read_or_change_the_user(
    client, session_of_later_staff
):
    auth = {**V2024, "Authorization": f"Bearer {session_of_later_staff.access_token}"}
    read = client.get("/auth/v1/user", headers=auth)
    assert read.status_code == 403 and error_code(read) == "user_not_found"
    write = client.put("/auth/v1/user", {"password": ATTACKER}, "application/json", headers=auth)
    assert write.status_code == 403 and error_code(write) == "user_not_found"
    user = User.objects.get(pk=session_of_later_staff.user.pk)
    assert not user.check_password(ATTACKER)
    assert SESSION_KEY not in admin_login(user.email, ATTACKER).session


def test_session_of_a_user_made_staff_cannot_be_refreshed(client, session_of_later_staff):
    response = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        {"refresh_token": session_of_later_staff.refresh_token},
        "application/json",
        headers=V2024,
    )
    assert response.status_code == 400 and error_code(response) == "refresh_token_not_found"
    assert "access_token" not in response.json()
