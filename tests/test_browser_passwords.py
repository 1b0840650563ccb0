"""magiclinks.browser.password_views: set a password after a link, sign in with it, sign out,
and reset it by an emailed link; limits and the audit trail."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import Client

from accounts.models import User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.models import InvalidationReason, LinkKind, LinkPurpose, LoginLink, Notification
from magiclinks.notifications.delivery import deliver
from ratelimits.table import rate

HOUR = timedelta(hours=1)
GOOD = "correct-Horse-battery-77"


def signed_in_by_link(make, client):
    account = make.account()
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=HOUR,
    )
    response = client.post(f"/auth/partner-login/{issued.secret}")
    assert response["Location"] == "/auth/password/set/"
    return issued


@pytest.mark.django_db
def test_set_password_after_link_uses_argon2_and_audits(make):
    client = Client()
    issued = signed_in_by_link(make, client)
    page = client.get("/auth/password/set/")
    assert page.status_code == 200 and "Set your password" in page.content.decode()
    response = client.post("/auth/password/set/", {"new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == 303 and response["Location"] == "/auth/account/"
    user = User.objects.get(pk=issued.link.user_id)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(GOOD)
    assert client.session[SESSION_KEY] == str(user.pk)  # still signed in
    event = AuditEvent.objects.get(event="credentials.set")
    assert event.account_id == issued.link.account_id
    assert event.details == {"method": "partner_link"}
    # Having a password now, the page sends them on instead of offering a second one.
    assert client.get("/auth/password/set/")["Location"] == "/auth/account/"


@pytest.mark.django_db
def test_set_password_continues_to_partner_redirect(make):
    client = Client()
    partner = make.partner(domains=["yourplatform.com"])
    account = make.account(partner=partner)
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=HOUR,
        redirect_url="https://app.yourplatform.com/welcome",
    )
    client.post(f"/auth/partner-login/{issued.secret}")
    response = client.post("/auth/password/set/", {"new_password1": GOOD, "new_password2": GOOD})
    assert response["Location"] == "https://app.yourplatform.com/welcome"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("short1", "short1", "too short"),
        ("password1234", "password1234", "too common"),
        ("12345678901234", "12345678901234", "entirely numeric"),
        (GOOD, GOOD + "x", "didn"),
    ],
)
def test_weak_or_mismatched_passwords_refused(make, first, second, message):
    client = Client()
    issued = signed_in_by_link(make, client)
    response = client.post("/auth/password/set/", {"new_password1": first, "new_password2": second})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.get(pk=issued.link.user_id).has_usable_password()
    assert not AuditEvent.objects.filter(event="credentials.set").exists()


@pytest.mark.django_db
def test_set_password_needs_sign_in():
    response = Client().get("/auth/password/set/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/?next=")


@pytest.mark.django_db
def test_password_sign_in_and_out(make):
    user = make.user(password=GOOD)
    client = Client(REMOTE_ADDR="203.0.113.5")
    assert client.get("/auth/login/").status_code == 200
    wrong = client.post("/auth/login/", {"username": user.email, "password": "nope-nope-nope"})
    assert wrong.status_code == 200 and "do not match" in wrong.content.decode()
    unknown = client.post("/auth/login/", {"username": "ghost@example.com", "password": "x"})
    assert "do not match" in unknown.content.decode()  # same words: existence not revealed
    response = client.post("/auth/login/", {"username": user.email.upper(), "password": GOOD})
    assert response.status_code == 303 and response["Location"] == "/auth/account/"
    assert client.session[SESSION_KEY] == str(user.pk)
    signed_in = AuditEvent.objects.get(event="user.signed_in")
    assert signed_in.details == {"method": "password"}
    assert signed_in.ip_address == "203.0.113.5"
    assert AuditEvent.objects.filter(event="user.sign_in_failed", user_id=user.pk).count() == 1

    assert client.get("/auth/logout/").status_code == 405  # never on GET
    out = client.post("/auth/logout/")
    assert out.status_code == 303 and out["Location"] == "/auth/login/"
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(event="user.signed_out", user_id=user.pk).exists()


@pytest.mark.django_db
def test_password_sign_in_honours_safe_next_only(make):
    user = make.user(password=GOOD)
    data = {"username": user.email, "password": GOOD}
    ok = Client().post("/auth/login/?next=/auth/password/set/", data)
    assert ok["Location"] == "/auth/password/set/"
    evil = Client().post("/auth/login/?next=https://evil.example/", data)
    assert evil["Location"] == "/auth/account/"


@pytest.mark.django_db
def test_banned_user_cannot_sign_in_with_password(make):
    from django.utils import timezone

    user = make.user(password=GOOD, banned_until=timezone.now() + HOUR)
    client = Client()
    response = client.post("/auth/login/", {"username": user.email, "password": GOOD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_password_sign_in_limited_per_address(make):
    user = make.user(password=GOOD)
    limit, _ = rate("browser.password_login.address")
    for attempt in range(limit):
        client = Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}")  # many IPs, one address
        client.post("/auth/login/", {"username": user.email, "password": "wrong-wrong-1"})
    limited = Client(REMOTE_ADDR="198.51.100.200").post(
        "/auth/login/", {"username": user.email, "password": GOOD}
    )
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


@pytest.mark.django_db
def test_forgot_password_sends_a_reset_link_and_reveals_nothing(make):
    user = make.user(password=GOOD)
    client = Client()
    known = client.post("/auth/password/forgot/", {"email": user.email})
    unknown = client.post("/auth/password/forgot/", {"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, e: r.content.decode().replace(e, "EMAIL")  # noqa: E731
    assert strip(known, user.email) == strip(unknown, "ghost@example.com")
    link = LoginLink.objects.get(user=user, kind=LinkKind.RECOVERY)
    assert link.purpose == LinkPurpose.LOST_CREDENTIALS
    notification = Notification.objects.get(link=link)
    assert notification.kind == "recovery" and notification.recipient == user.email
    assert LoginLink.objects.count() == 1  # nothing for the unknown address


@pytest.mark.django_db
def test_forgot_password_limited_per_address():
    limit, _ = rate("browser.password_reset.address")
    for attempt in range(limit):
        Client(REMOTE_ADDR=f"198.51.100.{attempt + 1}").post(
            "/auth/password/forgot/", {"email": "someone@example.com"}
        )
    limited = Client(REMOTE_ADDR="198.51.100.99").post(
        "/auth/password/forgot/", {"email": "SOMEONE@example.com"}
    )
    assert limited.status_code == 429


@pytest.mark.django_db
def test_forgot_password_bad_address():
    response = Client().post("/auth/password/forgot/", {"email": "not an address"})
    assert response.status_code == 400 and "valid email" in response.content.decode()


def _reset_url_from_mail(user) -> str:
    """Send the queued email the way the Celery task does, then read the link out of it."""
    deliver(Notification.objects.get(user=user, kind="recovery").pk)
    body = mail.outbox[-1].body
    start = body.index("/auth/password/reset/")
    return body[start : start + len("/auth/password/reset/") + 43]


@pytest.mark.django_db
def test_reset_link_end_to_end(make):
    user = make.user(password="old-Password-123456")
    client = Client()
    client.post("/auth/password/forgot/", {"email": user.email})
    reset_url = _reset_url_from_mail(user)
    confirm = client.get(reset_url)
    assert confirm.status_code == 200 and user.email in confirm.content.decode()
    assert client.head(reset_url).status_code == 200
    assert LoginLink.objects.get(user=user).is_active  # GET/HEAD consumed nothing

    response = client.post(reset_url)
    assert response.status_code == 303 and response["Location"] == "/auth/password/set/"
    page = client.get("/auth/password/set/")
    assert "Choose a new password" in page.content.decode()
    client.post("/auth/password/set/", {"new_password1": GOOD, "new_password2": GOOD})
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert AuditEvent.objects.get(event="credentials.set").details == {"method": "password_reset"}

    used = Client().get(reset_url)
    assert used.status_code == 410 and "already been used" in used.content.decode()
    assert "new reset link" in used.content.decode()


@pytest.mark.django_db
def test_new_password_retires_other_reset_links(make):
    user = make.user(password="old-Password-123456")
    client = Client()
    client.force_login(user)
    open_link = issue_link(
        user=user,
        kind=LinkKind.RECOVERY,
        actor=Actor.system(),
        lifetime=HOUR,
        purpose=LinkPurpose.LOST_CREDENTIALS,
    )
    client.post(f"/auth/password/reset/{open_link.secret}")
    second = issue_link(
        user=user,
        kind=LinkKind.RECOVERY,
        actor=Actor.system(),
        lifetime=HOUR,
        purpose=LinkPurpose.LOST_CREDENTIALS,
    )
    client.post("/auth/password/set/", {"new_password1": GOOD, "new_password2": GOOD})
    second.link.refresh_from_db()
    assert second.link.invalidation_reason == InvalidationReason.USER_CHANGED


@pytest.mark.django_db
def test_admin_api_recovery_links_do_not_open_the_reset_page(make):
    user = make.user()
    issued = issue_link(user=user, kind=LinkKind.RECOVERY, actor=Actor.system(), lifetime=HOUR)
    assert Client().get(f"/auth/password/reset/{issued.secret}").status_code == 404
    assert Client().post(f"/auth/password/reset/{issued.secret}").status_code == 404
    issued.link.refresh_from_db()
    assert issued.link.is_active


@pytest.mark.django_db
def test_account_page_lists_memberships_and_sign_ins(make):
    partner = make.partner(brand_name="Acme Wealth")
    user = make.user(password=GOOD)
    account = make.account(partner=partner, primary=user)
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="AccountPageTest/1.0")
    client.post("/auth/login/", {"username": user.email, "password": GOOD})
    page = client.get("/auth/account/").content.decode()
    assert user.email in page
    assert f"Account {account.pk}" in page and "Acme Wealth" in page and "Primary" in page
    assert "203.0.113.77" in page and "Password" in page and "AccountPageTest/1.0" in page


@pytest.mark.django_db
def test_account_page_needs_sign_in():
    response = Client().get("/auth/account/")
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")


@pytest.mark.django_db
def test_account_page_offers_a_password_to_link_only_users(make):
    client = Client()
    signed_in_by_link(make, client)
    page = client.get("/auth/account/").content.decode()
    assert "You have no password yet" in page and 'href="/auth/password/set/"' in page
