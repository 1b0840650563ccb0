"""The whole journey in a real browser (Chromium via Playwright, live server).

Emailed link → confirmation page → Continue → "Set your password" → the partner's redirect;
the used link says so; a prefetch (GET and HEAD over real HTTP) leaves a link usable; an expired
link offers a fresh one; the password works afterwards.
"""

import re
import urllib.request
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AccountStatus, User
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LinkPurpose, LoginLink, Notification
from magiclinks.notifications.delivery import deliver
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-Harbour-lantern-58"
REDIRECT = "https://app.yourplatform.com/welcome"
LOGO = "https://cdn.acme.example/logo.svg"
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#fff"/>'
    '<path d="M6 24 16 7l10 17z" fill="#0f766e"/></svg>'
)


def partner_link(make, *, email="jane.doe@example.com", redirect_url="", hours=24, account=None):
    if account is None:
        partner = make.partner(
            name="Acme Wealth",
            domains=["yourplatform.com"],
            brand_name="Acme Wealth",
            brand_color="#0f766e",
            support_email="help@acme.example",
            brand_logo_url=LOGO,
        )
        user = make.user(email, first_name="Jane", last_name="Doe")
        account = make.account(partner=partner, primary=user)
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=hours),
        redirect_url=redirect_url,
    )


def link_url(live_server, issued) -> str:
    return f"{live_server.url}/auth/partner-login/{issued.secret}"


def stub_partner_app(page) -> None:
    """The partner's app and logo host are not ours: answer their URLs inside the browser."""
    page.route(
        LOGO,
        lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=LOGO_SVG),
    )
    page.route(
        "https://app.yourplatform.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Partner app</h1>"
        ),
    )


def test_link_to_password_to_partner_app(page, live_server, make):
    issued = partner_link(make, redirect_url=REDIRECT)
    stub_partner_app(page)

    response = page.goto(link_url(live_server, issued))
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Acme Wealth"
    assert "jane.doe@example.com" in page.inner_text(".facts")
    assert f"Account {issued.link.account_id}" in page.inner_text(".facts")
    assert page.locator(".site-logo").evaluate("img => img.naturalWidth") > 0  # CSP allowed it
    colour = page.locator(".button").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(15, 118, 110)"  # #0f766e from the partner's stylesheet
    shot(page, "end-user-01-confirm")

    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/auth/password/set/")
    assert page.get_by_role("heading", level=1).inner_text() == "Set your password"
    shot(page, "end-user-02-set-password")

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Save password and continue").click()
    assert "too short" in page.inner_text("main")
    shot(page, "end-user-03-set-password-errors")

    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Save password and continue").click()
    page.wait_for_url(REDIRECT)
    assert page.inner_text("h1") == "Partner app"

    user = User.objects.get(email="jane.doe@example.com")
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2")
    account = issued.link.account
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    redeemed = AuditEvent.objects.get(event="login_link.redeemed", link_id=issued.link.pk)
    assert redeemed.user_agent.endswith("LinkgateBrowserTest/1.0")
    assert redeemed.ip_address == "127.0.0.1"
    assert AuditEvent.objects.filter(event="credentials.set", account_id=account.pk).exists()

    again = page.goto(link_url(live_server, issued))
    assert again.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This link has already been used"
    shot(page, "end-user-04-already-used")


def test_password_sign_in_afterwards(page, live_server, make):
    user = make.user("sam@example.com", password=PASSWORD)
    make.account(partner=make.partner(brand_name="Acme Wealth"), primary=user)
    page.goto(f"{live_server.url}/auth/account/")
    page.wait_for_url("**/auth/login/?next=/auth/account/")
    shot(page, "end-user-05-sign-in")
    page.get_by_label("Email address").fill("SAM@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/auth/account/")
    assert "sam@example.com" in page.inner_text("main")
    assert "Acme Wealth" in page.inner_text(".account-list")
    assert "Password" in page.inner_text("table")
    shot(page, "end-user-06-account")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/auth/login/")
    assert "You have been signed out." in page.inner_text("main")


def test_prefetch_leaves_the_link_usable(page, live_server, make):
    issued = partner_link(make)
    url = link_url(live_server, issued)
    for method in ("GET", "HEAD", "GET"):  # a mail scanner, a link preview, another scanner
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "Scanner"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
    issued.link.refresh_from_db()
    assert issued.link.is_active

    page.goto(url)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/auth/password/set/")
    issued.link.refresh_from_db()
    assert issued.link.used_at is not None


def test_expired_link_offers_a_fresh_one(page, live_server, make):
    issued = partner_link(make, hours=48)
    stub_partner_app(page)
    now = timezone.now()
    LoginLink.objects.filter(pk=issued.link.pk).update(
        created_at=now - timedelta(hours=48), expires_at=now
    )
    response = page.goto(link_url(live_server, issued))
    assert response.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This link has expired"
    shot(page, "end-user-07-expired")

    page.get_by_label("Your email address").fill("jane.doe@example.com")
    page.get_by_role("button", name="Send me a fresh link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    shot(page, "end-user-08-fresh-link-sent")

    fresh = LoginLink.objects.get(account=issued.link.account, purpose=LinkPurpose.EXPIRED_LINK)
    deliver(Notification.objects.get(link=fresh).pk)
    emailed = re.search(r"/auth/partner-login/([A-Za-z0-9_-]{43})", mail.outbox[-1].body)
    page.goto(f"{live_server.url}{emailed.group(0)}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/auth/password/set/")


def test_every_failure_page(page, live_server, make):
    stub_partner_app(page)
    replaced = partner_link(make)
    partner_link(make, account=replaced.link.account)
    response = page.goto(link_url(live_server, replaced))
    assert response.status == 410
    assert "replaced by a newer one" in page.inner_text("h1")
    shot(page, "end-user-09-replaced")

    revoked = partner_link(make, account=replaced.link.account)
    revoke_link(revoked.link, actor=Actor.partner(revoked.link.partner))
    response = page.goto(link_url(live_server, revoked))
    assert response.status == 410 and "withdrawn" in page.inner_text("h1")
    assert page.get_by_role("button", name="Send me a fresh link").count() == 0
    shot(page, "end-user-10-revoked")

    response = page.goto(f"{live_server.url}/auth/partner-login/{'x' * 43}")
    assert response.status == 404 and "recognise" in page.inner_text("h1")
    shot(page, "end-user-11-unknown")


def test_password_reset_by_link(page, live_server, make):
    user = make.user("lee@example.com", password="old-Password-123456")
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Your email address").fill("lee@example.com")
    shot(page, "end-user-12-forgot-password")
    page.get_by_role("button", name="Email me a reset link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"

    deliver(Notification.objects.get(user=user, kind="recovery").pk)
    path = re.search(r"/auth/password/reset/[A-Za-z0-9_-]{43}", mail.outbox[-1].body).group(0)
    page.goto(f"{live_server.url}{path}")
    shot(page, "end-user-13-reset-confirm")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/auth/password/set/")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Save password and continue").click()
    page.wait_for_url("**/auth/account/")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_confirm_page_on_a_phone(mobile_page, live_server, make):
    issued = partner_link(make)
    stub_partner_app(mobile_page)
    mobile_page.goto(link_url(live_server, issued))
    button = mobile_page.get_by_role("button", name="Continue").bounding_box()
    assert button["width"] > 300  # full width, easy to tap
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling
    shot(mobile_page, "end-user-14-confirm-mobile")
