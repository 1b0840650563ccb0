"""Finding 1 (high), the other ways in: Partner API links, the browser's link and reset pages.

The browser session a partner link starts is the Django session /admin/ uses, so a link that
reaches a staff member (or a session that predates their promotion) would open the admin to
whoever held the link. None of these may sign a staff member or superuser in.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.password_reset import request_password_reset
from magiclinks.models import LinkKind, LoginLink, Notification
from magiclinks.notifications import crypto
from tests.partner_api_support import error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def promote(user: User, **flags) -> None:
    """Make `user` staff (or superuser) the way an admin would: a save of the row."""
    user.refresh_from_db()
    for flag, value in (flags or {"is_staff": True}).items():
        setattr(user, flag, value)
    user.save()


def partner_link(account, user):
    return issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=HOUR,
    )


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_partner_api_refuses_a_link_for_a_member_made_staff_later(tenant, flag):
    john = tenant.account.users.get()
    promote(john, **{flag: True})
    for body in ({}, {"user_email": john.email}):
        response = tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", body)
        assert error_of(response) == (403, "USER_NOT_ELIGIBLE"), response.content
    assert not LoginLink.objects.exists() and not Notification.objects.exists()


def test_partner_api_cannot_attach_its_own_member_made_staff_elsewhere(tenant):
    """A guard rather than a new fix: people.py already refused this before the finding, and
    the claim of unconfirmed users (finding 7) must not reopen it."""
    john = tenant.account.users.get()
    promote(john)
    spouse = {"email": john.email, "first_name": "John", "last_name": "Doe"}
    new = {"email": "ann@example.com", "first_name": "Ann", "last_name": "Smith"}
    response = tenant.api.post("/accounts", {**new, "spouse": spouse})
    assert error_of(response) == (409, "EMAIL_IN_USE")
    other = tenant.api.post("/accounts", new).json()["id"]
    added = tenant.api.post(f"/accounts/{other}/users", {**spouse, "role": "spouse"})
    assert error_of(added) == (409, "EMAIL_IN_USE")
    assert not LoginLink.objects.filter(user=john).exists()


def test_partner_link_issued_before_promotion_does_not_sign_in(tenant):
    john = tenant.account.users.get()
    issued = partner_link(tenant.account, john)
    promote(john, is_staff=True, is_superuser=True)
    browser = Client()
    page = browser.get(f"/auth/partner-login/{issued.secret}")
    assert page.status_code == 403
    response = browser.post(f"/auth/partner-login/{issued.secret}")
    assert response.status_code == 403
    assert SESSION_KEY not in browser.session
    assert browser.get("/admin/").status_code == 302
    issued.link.refresh_from_db()
    assert issued.link.used_at is None
    assert AuditEvent.objects.filter(
        event="login_link.redeem_failed", details__reason="protected"
    ).exists()


def test_browser_session_started_before_promotion_does_not_reach_the_admin(tenant):
    """Whoever redeemed a partner link (the partner itself, say) holds a Django session; when the
    person is later made staff, that session must not become an admin session."""
    john = tenant.account.users.get()
    issued = partner_link(tenant.account, john)
    browser = Client()
    assert browser.post(f"/auth/partner-login/{issued.secret}").status_code == 303
    assert browser.session[SESSION_KEY] == str(john.pk)
    promote(john, is_staff=True, is_superuser=True)
    assert browser.get("/admin/").status_code == 302
    assert SESSION_KEY not in browser.session


def test_forgot_password_form_sends_staff_nothing(make):
    staff = make.user("agent@example.com", is_staff=True, email_confirmed_at=timezone.now())
    boss = User.objects.create_superuser("boss@example.com", password="x" * 12)
    for person in (staff, boss):
        response = Client().post("/auth/password/forgot/", {"email": person.email})
        assert response.status_code == 200  # the same page as for anybody
    assert not LoginLink.objects.exists() and not Notification.objects.exists()


def test_reset_link_issued_before_promotion_does_not_sign_in(make):
    user = make.user("later.staff@example.com")
    assert request_password_reset(user.email)
    link = LoginLink.objects.get(user=user)
    secret, _ = crypto.unseal(Notification.objects.get(link=link).encrypted_secret)
    promote(user)
    browser = Client()
    assert browser.get(f"/auth/password/reset/{secret}").status_code == 403
    response = browser.post(f"/auth/password/reset/{secret}")
    assert response.status_code == 403
    assert SESSION_KEY not in browser.session
    link.refresh_from_db()
    assert link.used_at is None


def test_fresh_link_form_sends_nothing_to_a_member_made_staff(tenant):
    john = tenant.account.users.get()
    issued = partner_link(tenant.account, john)
    now = timezone.now()
    LoginLink.objects.filter(pk=issued.link.pk).update(created_at=now - HOUR, expires_at=now)
    promote(john)
    response = Client().post(f"/auth/partner-login/{issued.secret}/new-link", {"email": john.email})
    assert response.status_code == 200  # the same page whatever happened
    assert LoginLink.objects.count() == 1
    event = AuditEvent.objects.get(event="login_link.fresh_requested")
    assert event.details == {"sent": False, "reason": "user_protected"}
