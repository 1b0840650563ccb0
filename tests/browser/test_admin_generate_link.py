"""Browser: support staff generate a login link in the admin, copy it, and it signs the person in.

Uses the shared Playwright fixtures of tests/browser/conftest.py (Debian's Chromium, never a
downloaded browser; a failure in CI when it is missing, a skip elsewhere). SAVE_SCREENSHOTS=1
writes the pages to docs/screenshots/ (shown in docs/support-staff.md).
"""

import pytest
from playwright.sync_api import expect

from magiclinks.models import LinkStatus, LoginLink
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture
def site(live_server, settings):
    # Links must point at the live server, not at the default PUBLIC_BASE_URL.
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def admin_login(page, site: str, email: str) -> None:
    page.goto(f"{site}/admin/login/?next=/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{site}/admin/")


def test_support_generates_copies_and_the_link_signs_in(chromium, site, make):
    account = make.account(partner=make.partner(name="Acme Insurance"))
    person = account.users.get()
    make.member(account, role="spouse", first_name="Sam")
    staff = make.staff(
        "accounts.generate_login_link",
        "accounts.view_account",
        "accounts.view_user",
        "magiclinks.view_loginlink",
        "audit.view_auditevent",
        password=PASSWORD,
        email="support@linkgate.test",
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    admin_login(page, site, staff.email)
    shot(page, "admin-index")

    page.goto(f"{site}/admin/accounts/account/{account.pk}/change/")
    shot(page, "admin-account")
    page.click("#generate-login-link")
    page.wait_for_selector("#generate-link-form")
    page.select_option("select[name=purpose]", "lost_credentials")
    page.fill("input[name=expiry_hours]", "2")
    page.uncheck("input[name=send_email]")
    shot(page, "admin-generate-form")
    page.click("#generate-link-form input[type=submit]")
    page.wait_for_selector("#login-link")

    shown = page.input_value("#login-link")
    assert shown.startswith(f"{site}/auth/partner-login/")
    page.click("[data-copy-target=login-link]")
    # A locator assertion, not wait_for_function: a string predicate is evaluated with eval in
    # the page when its first check misses, and the admin's CSP (no 'unsafe-eval') refuses that.
    expect(page.locator("#login-link-status")).not_to_be_empty()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown
    assert page.text_content("[data-field=invalidated]").strip() == "0"
    assert "not sent" in page.text_content("[data-field=email]")
    shot(page, "admin-link-result")
    # The copy button works under the CSP (script-src 'self'): nothing was blocked.
    assert not [text for text in console if "Content Security Policy" in text], console

    # A fresh browser (no staff session) opens the link: a confirmation page, then sign-in.
    visitor = chromium.new_context()
    other = visitor.new_page()
    response = other.goto(copied)
    assert response is not None and response.status == 200
    assert person.email in other.content()
    shot(other, "partner-login-confirm")
    other.click("form[method=post] button[type=submit]")
    other.wait_for_load_state()
    link = LoginLink.objects.get()
    assert link.status == LinkStatus.USED and link.issuer_type == "staff"
    assert link.purpose == "lost_credentials" and link.user == person
    visitor.close()

    # Back in the admin, support sees the link's fate.
    page.goto(f"{site}/admin/magiclinks/loginlink/?status=used")
    assert page.locator("#result_list tbody tr").count() == 1
    shot(page, "admin-links")
    page.goto(f"{site}/admin/accounts/account/{account.pk}/change/")
    assert page.locator('[data-status="used"]').count() == 1
    shot(page, "admin-account-recent-links")
    context.close()


def test_staff_without_the_permission_cannot(chromium, site, make):
    account = make.account()
    staff = make.staff("accounts.view_account", password=PASSWORD, email="viewer@linkgate.test")
    context = chromium.new_context()
    page = context.new_page()
    admin_login(page, site, staff.email)
    page.goto(f"{site}/admin/accounts/account/{account.pk}/change/")
    assert page.locator("#generate-login-link").count() == 0
    shot(page, "admin-account-no-permission")
    response = page.goto(f"{site}/admin/accounts/account/{account.pk}/generate-login-link/")
    assert response is not None and response.status == 403
    assert not LoginLink.objects.exists()
    context.close()
