"""Accounts and users endpoints: create (with spouse), list, retrieve, add and list users."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from accounts.models import Account, AccountStatus, Membership, User
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification
from tests.partner_api_support import error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db

NEW = {"email": "Ann.Smith@Example.com", "first_name": "Ann", "last_name": "Smith"}
SPOUSE = {"email": "bob.smith@example.com", "first_name": "Bob", "last_name": "Smith"}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Account, User, Membership, LoginLink, AuditEvent, Notification)
    )


def test_create_account_returns_the_contract_fields_and_a_7_day_link(tenant):
    response = tenant.api.post("/accounts", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "status",
        "email",
        "first_name",
        "last_name",
        "login_link",
        "login_link_expires_at",
        "created_at",
    }
    assert isinstance(body["id"], int)
    assert body["email"] == "ann.smith@example.com"
    assert (body["first_name"], body["last_name"]) == ("Ann", "Smith")
    assert body["status"] == "onboarding"  # documented: active after the first sign-in
    expires = parse_datetime(body["login_link_expires_at"])
    assert expires - parse_datetime(body["created_at"]) > timedelta(days=7) - timedelta(minutes=1)
    account = Account.objects.get(pk=body["id"])
    assert account.partner == tenant.partner
    link = LoginLink.objects.get(account=account)
    assert link.purpose == "initial_access"
    assert Notification.objects.count() == 0  # send_notification defaults to false
    assert AuditEvent.objects.filter(event="account.created", account=account).exists()


def test_create_account_with_spouse_and_notifications(tenant):
    body = {**NEW, "spouse": SPOUSE, "send_notification": True}
    response = tenant.api.post("/accounts", body)
    assert response.status_code == 201, response.content
    spouse = response.json()["spouse"]
    assert set(spouse) == {
        "id",
        "email",
        "first_name",
        "last_name",
        "login_link",
        "login_link_expires_at",
        "status",
    }
    assert spouse["email"] == SPOUSE["email"] and spouse["status"] == "invited"
    assert spouse["login_link"] != response.json()["login_link"]
    account = Account.objects.get(pk=response.json()["id"])
    roles = sorted(account.memberships.values_list("role", flat=True))
    assert roles == ["primary", "spouse"]
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["account_created", "user_added"]


def test_spouse_invitation_can_be_turned_off(tenant):
    body = {**NEW, "spouse": {**SPOUSE, "send_invitation": False}}
    assert tenant.api.post("/accounts", body).status_code == 201
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "email": "nope"}, "email"),
        ({"first_name": "A", "last_name": "B"}, "email"),
        ({**NEW, "first_name": "x" * 51}, "first_name"),
        ({**NEW, "last_name": ""}, "last_name"),
        ({**NEW, "first_name": 5}, "first_name"),
        ({**NEW, "spouse": {"email": "s@example.com"}}, "spouse.first_name"),
        ({**NEW, "spouse": {**SPOUSE, "age": 3}}, "spouse.age"),
        ({**NEW, "send_notification": "true"}, "send_notification"),
        ({**NEW, "nickname": "A"}, "nickname"),
    ],
)
def test_create_account_validation_errors_write_nothing(tenant, body, field):
    before = counts()
    response = tenant.api.post("/accounts", body)
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert field in response.json()["error"]["details"]["fields"]
    assert counts() == before


def test_spouse_with_the_primary_email_is_409_user_exists(tenant):
    before = counts()
    response = tenant.api.post("/accounts", {**NEW, "spouse": {**SPOUSE, "email": NEW["email"]}})
    assert error_of(response) == (409, "USER_EXISTS")
    assert counts() == before


def test_duplicate_primary_email_for_the_partner_is_409_account_exists(tenant):
    assert tenant.api.post("/accounts", NEW).status_code == 201
    before = counts()
    response = tenant.api.post("/accounts", {**NEW, "email": NEW["email"].upper()})
    assert error_of(response) == (409, "ACCOUNT_EXISTS")
    assert counts() == before


def test_email_of_a_person_this_partner_does_not_serve_is_refused(tenant, other_tenant, make):
    # Another partner's client, and a staff member: attaching them would let this partner mint
    # login links for them.
    foreign = other_tenant.account.users.get()
    make.user("staff@example.com", is_staff=True)
    for email in (foreign.email, "staff@example.com"):
        response = tenant.api.post("/accounts", {**NEW, "email": email})
        assert error_of(response) == (409, "EMAIL_IN_USE")
    assert not Account.objects.filter(partner=tenant.partner).exclude(pk=tenant.account.pk).exists()


def test_list_accounts_only_this_partners_paged_and_filtered(tenant, other_tenant, make):
    for index in range(3):
        make.account(partner=tenant.partner, primary=make.user(f"c{index}@example.com"))
    tenant.account.status = AccountStatus.SUSPENDED
    tenant.account.save()
    response = tenant.api.get("/accounts", {"limit": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["total_count"] == 4 and body["has_more"] is True and len(body["accounts"]) == 2
    ids = [a["id"] for a in body["accounts"]]
    assert other_tenant.account.pk not in ids
    rest = tenant.api.get("/accounts", {"limit": 2, "offset": 2}).json()
    assert rest["has_more"] is False and len(rest["accounts"]) == 2
    suspended = tenant.api.get("/accounts", {"status": "suspended"}).json()
    assert [a["id"] for a in suspended["accounts"]] == [tenant.account.pk]
    by_email = tenant.api.get("/accounts", {"email": "C1@example.com"}).json()
    assert [a["email"] for a in by_email["accounts"]] == ["c1@example.com"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}, {"status": "gone"}]
)
def test_list_accounts_bad_query_is_validation_error(tenant, params):
    assert error_of(tenant.api.get("/accounts", params)) == (400, "VALIDATION_ERROR")


def test_retrieve_account_with_users(tenant, make):
    make.member(tenant.account, "spouse", email="jane@example.com", first_name="Jane")
    response = tenant.api.get(f"/accounts/{tenant.account.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == tenant.account.pk and body["status"] == "onboarding"
    assert (body["email"], body["first_name"], body["last_name"]) == (
        "john.doe@example.com",
        "John",
        "Doe",
    )
    users = {user["email"]: user for user in body["users"]}
    assert users["john.doe@example.com"]["role"] == "primary"
    assert users["jane@example.com"]["role"] == "spouse"
    assert users["jane@example.com"]["has_password"] is False
    assert users["jane@example.com"]["last_login_at"] is None


def test_retrieve_other_partners_account_is_404_like_missing(tenant, other_tenant):
    foreign = tenant.api.get(f"/accounts/{other_tenant.account.pk}")
    missing = tenant.api.get("/accounts/987654321")
    assert error_of(foreign) == (404, "ACCOUNT_NOT_FOUND")
    assert foreign.json() == missing.json()


def test_add_user_and_list_users(tenant):
    body = {"email": "alex@example.com", "first_name": "Alex", "last_name": "Doe"}
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/users", body)
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["role"] == "additional"  # the default
    assert added["login_link"].startswith("http://127.0.0.1:8000/auth/partner-login/")
    assert parse_datetime(added["login_link_expires_at"])
    assert Notification.objects.get().kind == "user_added"  # send_invitation defaults to true
    listed = tenant.api.get(f"/accounts/{tenant.account.pk}/users").json()
    assert sorted(u["email"] for u in listed["users"]) == [
        "alex@example.com",
        "john.doe@example.com",
    ]
    assert all("login_link" not in u for u in listed["users"])


def test_add_spouse_without_invitation(tenant):
    body = {
        "email": "s@example.com",
        "first_name": "S",
        "last_name": "D",
        "role": "spouse",
        "send_invitation": False,
    }
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/users", body)
    assert response.status_code == 201 and response.json()["role"] == "spouse"
    assert Notification.objects.count() == 0


def test_add_existing_user_is_409_user_exists_and_writes_nothing(tenant):
    before = counts()
    body = {"email": "JOHN.DOE@example.com", "first_name": "J", "last_name": "D"}
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/users", body)
    assert error_of(response) == (409, "USER_EXISTS")
    assert counts() == before


@pytest.mark.parametrize("role", ["primary", "owner", 1])
def test_add_user_bad_role(tenant, role):
    body = {"email": "a@example.com", "first_name": "A", "last_name": "B", "role": role}
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/users", body)
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert "role" in response.json()["error"]["details"]["fields"]


def test_users_of_other_partners_account_are_404(tenant, other_tenant):
    path = f"/accounts/{other_tenant.account.pk}/users"
    assert error_of(tenant.api.get(path)) == (404, "ACCOUNT_NOT_FOUND")
    body = {"email": "a@example.com", "first_name": "A", "last_name": "B"}
    assert error_of(tenant.api.post(path, body)) == (404, "ACCOUNT_NOT_FOUND")


def test_suspended_account_takes_no_new_users(tenant):
    tenant.account.status = AccountStatus.SUSPENDED
    tenant.account.save()
    body = {"email": "a@example.com", "first_name": "A", "last_name": "B"}
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/users", body)
    assert error_of(response) == (403, "ACCOUNT_SUSPENDED")
