"""Finding 7 (medium): public sign-up blocked partner onboarding, and the fix must not become a
pre-account-takeover.

Anonymous `POST /auth/v1/otp` for an address created an unconfirmed user, and every later
`POST /v1beta/accounts` with that address answered 409 EMAIL_IN_USE. A partner may now claim a
user who is unconfirmed, has never signed in, and is on no account; claiming wipes whatever the
creator planted (password, metadata, open links, Admin API sessions). DISABLE_SIGNUP (upstream's
GOTRUE_DISABLE_SIGNUP) stops /otp from creating users at all.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, User
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification
from supabase_api.models import AuthSession
from supabase_api.sessions import start_session
from tests.partner_api_support import Api, error_of
from tests.supabase_api_support import V2024, new_service_key

pytest_plugins = ["tests.partner_api_fixtures"]

VICTIM = "victim@example.com"
ATTACKER_PASSWORD = "attacker-Chosen-passw0rd-1"
NEW_CLIENT = {"email": VICTIM, "first_name": "Vic", "last_name": "Tim"}


def anonymous_otp(email: str = VICTIM, **body):
    return Client().post(
        "/auth/v1/otp", {"email": email, **body}, content_type="application/json", headers=V2024
    )


def admin_api(method: str, path: str, body: dict) -> dict:
    """An app's back end, calling the Admin API with what its sign-up form received."""
    key = new_service_key(f"app-{uuid.uuid4().hex}")
    response = getattr(Client(), method)(
        f"/auth/v1{path}",
        body,
        content_type="application/json",
        headers={**V2024, "Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.content
    return response.json()


def generate_link(body: dict) -> dict:
    return admin_api("post", "/admin/generate_link", body)


def verify(body: dict):
    return Client().post("/auth/v1/verify", body, content_type="application/json", headers=V2024)


@pytest.mark.django_db
def test_anonymous_otp_no_longer_blocks_partner_onboarding(tenant):
    assert anonymous_otp(data={"plan": "planted-by-anonymous"}).status_code == 200
    squatted = User.objects.get(email=VICTIM)
    assert squatted.user_metadata == {"plan": "planted-by-anonymous"}
    response = tenant.api.post("/accounts", NEW_CLIENT)
    assert response.status_code == 201, response.content
    assert User.objects.filter(email=VICTIM).count() == 1  # the same row, claimed
    membership = Membership.objects.get(user=squatted)
    assert membership.account.partner_id == tenant.partner.pk
    squatted.refresh_from_db()
    assert squatted.user_metadata == {}
    # The link the anonymous request emailed is dead; only the partner's welcome link works.
    assert [link.kind for link in LoginLink.objects.active().filter(user=squatted)] == [
        "partner_login"
    ]
    event = AuditEvent.objects.get(event="user.claimed")
    assert event.partner_id == tenant.partner.pk and event.user_id == squatted.pk


@pytest.mark.django_db
def test_claim_wipes_what_the_creator_planted(tenant):
    """Pre-account-takeover: the creator signs the address up with their own password and
    metadata and keeps the signup link, then waits for the partner to onboard the real person."""
    planted = generate_link(
        {
            "type": "signup",
            "email": VICTIM,
            "password": ATTACKER_PASSWORD,
            "data": {"role": "owner", "plan": "planted"},
        }
    )
    magic = generate_link({"type": "magiclink", "email": VICTIM})
    squatter = User.objects.get(email=VICTIM)
    admin_api("put", f"/admin/users/{squatter.pk}", {"app_metadata": {"tier": "planted"}})
    squatter.refresh_from_db()
    assert squatter.check_password(ATTACKER_PASSWORD) and squatter.email_confirmed_at is None

    response = tenant.api.post("/accounts", NEW_CLIENT)
    assert response.status_code == 201, response.content

    user = User.objects.get(email=VICTIM)
    assert user.pk == squatter.pk
    assert not user.has_usable_password() and not user.check_password(ATTACKER_PASSWORD)
    assert (user.user_metadata, user.app_metadata) == ({}, {})
    assert (user.first_name, user.last_name) == ("Vic", "Tim")
    # The password does not sign the attacker in anywhere.
    browser = Client()
    browser.post("/auth/login/", {"username": VICTIM, "password": ATTACKER_PASSWORD})
    assert SESSION_KEY not in browser.session
    # Neither link the creator kept works any more, by any of its three forms.
    for body in (
        {"type": "signup", "token_hash": planted["hashed_token"]},
        {"type": "email", "email": VICTIM, "token": planted["email_otp"]},
        {"type": "magiclink", "token_hash": magic["hashed_token"]},
        {"type": "email", "email": VICTIM, "token": magic["email_otp"]},
    ):
        refused = verify(body)
        assert refused.status_code == 403, (body, refused.content)
    assert not AuthSession.objects.filter(user=user).exists()
    # Only the partner's welcome link is open.
    assert [link.kind for link in LoginLink.objects.active().filter(user=user)] == ["partner_login"]
    event = AuditEvent.objects.get(event="user.claimed")
    assert event.partner_id == tenant.partner.pk
    assert event.details["links_invalidated"] == 2  # the signup link and the magic link


@pytest.mark.django_db
def test_claim_revokes_any_admin_api_session_of_the_user(tenant):
    """Verifying a link confirms the address, so a claimable user normally has no session; if one
    exists anyway (a row older than last_login tracking, say), the claim must still end it."""
    anonymous_otp()
    squatter = User.objects.get(email=VICTIM)
    issued = start_session(squatter, method="otp")
    User.objects.filter(pk=squatter.pk).update(last_login=None)
    assert tenant.api.post("/accounts", NEW_CLIENT).status_code == 201
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None
    refreshed = Client().post(
        "/auth/v1/token?grant_type=refresh_token",
        {"refresh_token": issued.refresh_token},
        "application/json",
        headers=V2024,
    )
    assert refreshed.status_code == 400


@pytest.mark.django_db
def test_a_partner_adding_a_user_also_claims(tenant):
    anonymous_otp()
    response = tenant.api.post(
        f"/accounts/{tenant.account.pk}/users", {**NEW_CLIENT, "role": "additional"}
    )
    assert response.status_code == 201, response.content
    assert AuditEvent.objects.filter(event="user.claimed").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state",
    [
        {"email_confirmed_at": timezone.now()},
        {"last_login": timezone.now()},
        {"is_active": False},
        {"banned_until": timezone.now() + timedelta(days=1)},
        {"is_staff": True},
        {"is_superuser": True},
    ],
    ids=["confirmed", "signed-in", "deactivated", "banned", "staff", "superuser"],
)
def test_a_user_who_is_not_claimable_is_still_email_in_use(tenant, state):
    """Guards: these were 409 before and must stay 409 (staff and superusers: finding 1)."""
    anonymous_otp()
    User.objects.filter(email=VICTIM).update(**state)
    before = User.objects.filter(email=VICTIM).values().get()
    assert error_of(tenant.api.post("/accounts", NEW_CLIENT)) == (409, "EMAIL_IN_USE")
    assert User.objects.filter(email=VICTIM).values().get() == before
    assert not AuditEvent.objects.filter(event="user.claimed").exists()


@pytest.mark.django_db
def test_a_user_another_partner_already_serves_is_still_email_in_use(tenant, other_tenant):
    anonymous_otp()
    first = other_tenant.api.post("/accounts", NEW_CLIENT)
    assert first.status_code == 201  # the first partner claims
    assert error_of(tenant.api.post("/accounts", NEW_CLIENT)) == (409, "EMAIL_IN_USE")


@pytest.mark.django_db(transaction=True)
def test_two_partners_claiming_at_once_one_wins(postgres, make):
    """Each partner's request locks only its own partner row; the user row lock is what keeps
    the second claim from attaching the same person to two partners."""
    User.objects.create_user(VICTIM)  # what the anonymous /otp leaves behind
    apis = [Api(make.api_key(make.partner())) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    lock = threading.Lock()

    def onboard(api: Api) -> None:
        try:
            barrier.wait()
            response = api.post("/accounts", {**NEW_CLIENT, "send_notification": False})
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=onboard, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    assert Membership.objects.filter(user__email=VICTIM).count() == 1
    assert AuditEvent.objects.filter(event="user.claimed").count() == 1


@pytest.mark.django_db
def test_disable_signup_stops_otp_creating_users(client, settings):
    settings.DISABLE_SIGNUP = True
    response = anonymous_otp()
    assert response.status_code == 422
    assert response.json() == {
        "code": "signup_disabled",
        "message": "Signups not allowed for this instance",
    }
    assert not User.objects.exists() and not Notification.objects.exists()
    # Existing users still get their link, and the setting is reported to the clients.
    User.objects.create_user("known@example.com", email_confirmed_at=timezone.now())
    assert anonymous_otp("known@example.com").json() == {}
    assert Notification.objects.filter(recipient="known@example.com").count() == 1
    assert client.get("/auth/v1/settings").json()["disable_signup"] is True
    # create_user=false keeps its answer for unknown addresses (nothing revealed, nothing made).
    assert anonymous_otp("other@example.com", create_user=False).json() == {}
    assert not User.objects.filter(email="other@example.com").exists()
