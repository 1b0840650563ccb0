"""A changed email address or password retires the user's open links (issue 11, item 12).

The attack: an Admin API app generates a recovery link for a user's address; the address is then
changed (the mailbox was lost, or belonged to somebody else). The link emailed to the old address
kept working, so whoever reads the old mailbox could still sign in as the user. Now every path
that changes a user's email or password invalidates their other open links, reason
`user_changed`, audited, in the same transaction (accounts.user_changes → magiclinks.receivers):
the Admin API's admin update, the user's own PUT /user, the email_change verify, the Django
admin's user and password forms, and the browser's set-password page.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import InvalidationReason, LinkKind, LinkStatus, LoginLink
from supabase_api.sessions import start_session
from tests.supabase_api_support import V2024, new_service_key

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
GOOD = "correct-Horse-battery-77"


@pytest.fixture(autouse=True)
def _sites(settings):
    settings.SITE_URL = "https://app.example.com"
    settings.REDIRECT_ALLOW_LIST = []


def _admin(client: Client):
    headers = {**V2024, "Authorization": f"Bearer {new_service_key()}"}

    def call(method: str, path: str, body: dict | None = None):
        return getattr(client, method)(
            f"/auth/v1/admin{path}", body, content_type="application/json", headers=headers
        )

    return call


def _partner_link(make, user: User | None = None):
    account = make.account(primary=user) if user else make.account()
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=HOUR,
    )


def _assert_retired(link: LoginLink, changed: list[str], actor_type: str) -> None:
    link.refresh_from_db()
    assert link.status == LinkStatus.INVALIDATED
    assert link.invalidation_reason == InvalidationReason.USER_CHANGED
    event = AuditEvent.objects.get(event="login_link.invalidated", link_id=link.pk)
    assert event.details == {"reason": "user_changed", "changed": changed}
    assert event.actor_type == actor_type


def _verify(client: Client, body: dict):
    return client.post("/auth/v1/verify", body, content_type="application/json", headers=V2024)


def test_recovery_link_of_the_old_address_dies_when_the_admin_api_changes_the_email(client, make):
    admin = _admin(client)
    user = make.user("old.address@example.com", email_confirmed_at=timezone.now())
    partner_link = _partner_link(make, user)
    generated = admin("post", "/generate_link", {"type": "recovery", "email": user.email})
    assert generated.status_code == 200, generated.content
    properties = generated.json()  # GoTrue's flat shape: hashed_token, email_otp, action_link

    changed = admin("put", f"/users/{user.pk}", {"email": "new.address@example.com"})
    assert changed.status_code == 200 and changed.json()["email"] == "new.address@example.com"

    # Whoever reads the old mailbox holds the link, its hashed_token and its code: all refused.
    by_hash = _verify(client, {"type": "recovery", "token_hash": properties["hashed_token"]})
    assert by_hash.status_code == 403 and by_hash.json()["code"] == "otp_expired"
    by_code = _verify(
        client,
        {"type": "recovery", "email": "new.address@example.com", "token": properties["email_otp"]},
    )
    assert by_code.status_code == 403 and by_code.json()["code"] == "otp_expired"
    recovery = LoginLink.objects.get(kind=LinkKind.RECOVERY)
    _assert_retired(recovery, ["email"], "service")
    _assert_retired(partner_link.link, ["email"], "service")  # the partner's link too
    partner_page = Client().post(f"/auth/partner-login/{partner_link.secret}")
    assert partner_page.status_code == 410


def test_admin_api_password_change_retires_links(client, make):
    issued = _partner_link(make)
    user = issued.link.user
    response = _admin(client)("put", f"/users/{user.pk}", {"password": GOOD})
    assert response.status_code == 200
    _assert_retired(issued.link, ["password"], "service")


def test_admin_api_metadata_change_retires_nothing(client, make):
    issued = _partner_link(make)
    body = {"user_metadata": {"plan": "gold"}, "email": issued.link.user.email}
    assert _admin(client)("put", f"/users/{issued.link.user_id}", body).status_code == 200
    issued.link.refresh_from_db()
    assert issued.link.is_active


def test_own_password_change_by_put_user_retires_links(client, make):
    issued = _partner_link(make)
    session = start_session(issued.link.user, method="magiclink")
    auth = {**V2024, "Authorization": f"Bearer {session.access_token}"}
    response = client.put("/auth/v1/user", {"password": GOOD}, "application/json", headers=auth)
    assert response.status_code == 200
    _assert_retired(issued.link, ["password"], "user")


def test_email_change_verify_retires_the_links_sent_to_the_old_address(client, make):
    user = make.user("before@example.com", email_confirmed_at=timezone.now())
    issued = _partner_link(make, user)
    session = start_session(user, method="magiclink")
    auth = {**V2024, "Authorization": f"Bearer {session.access_token}"}
    put = client.put(
        "/auth/v1/user", {"email": "after@example.com"}, "application/json", headers=auth
    )
    assert put.status_code == 200
    issued.link.refresh_from_db()
    assert issued.link.is_active  # only requested: the address has not changed yet
    change = LoginLink.objects.get(kind=LinkKind.EMAIL_CHANGE_NEW)
    otp = _otp_of(change)
    verified = _verify(client, {"type": "email_change", "email": "after@example.com", "token": otp})
    assert verified.status_code == 200, verified.content
    _assert_retired(issued.link, ["email"], "system")


def _otp_of(link: LoginLink) -> str:
    from magiclinks.notifications import crypto

    _, otp = crypto.unseal(link.notifications.get().encrypted_secret)
    return otp


def _superuser_client(client: Client) -> User:
    root = User.objects.create_superuser("root@example.com", "x-long-password-1")
    client.force_login(root)
    return root


def test_django_admin_email_change_retires_links(client, make):
    _superuser_client(client)
    issued = _partner_link(make)
    user = issued.link.user
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        email="moved@example.com",
        user_metadata="{}",
        app_metadata="{}",
        groups=[],
        user_permissions=[],
        **{"memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1},
    )
    data = {k: v for k, v in data.items() if not hasattr(v, "isoformat")}
    assert client.post(url, data).status_code == 302
    _assert_retired(issued.link, ["email"], "staff")


def test_django_admin_password_form_retires_links(client, make):
    _superuser_client(client)
    issued = _partner_link(make)
    url = reverse("admin:auth_user_password_change", args=[issued.link.user_id])
    response = client.post(url, {"password1": GOOD, "password2": GOOD, "usable_password": "true"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    _assert_retired(issued.link, ["password"], "staff")


def test_browser_set_password_retires_the_users_other_links(make):
    first = _partner_link(make)
    user = first.link.user
    other_account_link = _partner_link(make, user)  # another partner's account, still open
    browser = Client()
    # Sign in with the first link (it is used), then choose a password.
    assert browser.post(f"/auth/partner-login/{first.secret}")["Location"] == "/auth/password/set/"
    response = browser.post("/auth/password/set/", {"new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == 303
    _assert_retired(other_account_link.link, ["password"], "user")
    first.link.refresh_from_db()
    assert first.link.status == LinkStatus.USED  # the link being used is not re-marked


def test_password_rehash_on_sign_in_is_not_a_change(make):
    # Django re-hashes a password stored with an older hasher when the person signs in; that
    # must not retire their links (nobody changed anything).
    issued = _partner_link(make)
    user = issued.link.user
    User.objects.filter(pk=user.pk).update(password=make_password(GOOD, hasher="pbkdf2_sha256"))
    browser = Client()
    response = browser.post("/auth/login/", {"username": user.email, "password": GOOD})
    assert response.status_code == 303, response.content  # see other: the account page
    assert User.objects.get(pk=user.pk).password.startswith("argon2")  # it was re-hashed
    issued.link.refresh_from_db()
    assert issued.link.is_active


def test_manage_py_changepassword_retires_links(make, monkeypatch):
    from django.contrib.auth.management.commands import changepassword
    from django.core.management import call_command

    issued = _partner_link(make)
    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": GOOD)
    call_command("changepassword", issued.link.user.email, stdout=None)
    _assert_retired(issued.link, ["password"], "system")


def test_a_partial_save_does_not_hide_an_unsaved_email_change(make):
    # save(update_fields=[...]) writes only those fields: an email changed on the instance but
    # not written yet must still count as a change when it is saved.
    issued = _partner_link(make)
    user = User.objects.get(pk=issued.link.user_id)
    user.email = "later@example.com"
    user.save(update_fields=["last_login"])
    issued.link.refresh_from_db()
    assert issued.link.is_active  # nothing about the address was written
    user.save()
    _assert_retired(issued.link, ["email"], "system")
