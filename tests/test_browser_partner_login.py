"""magiclinks.browser.link_views: the partner login link in the browser (Django test client).

GET/HEAD read only; POST consumes, signs in, activates the account, audits with IP and user
agent; every failure has its own page and status.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from accounts.account_status import suspend_account
from accounts.models import AccountStatus
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.revoke import revoke_link
from magiclinks.models import LinkKind, LoginLink

HOUR = timedelta(hours=1)
UA = "Mozilla/5.0 (BrowserTest)"


def partner_link(make, account=None, user=None, **kwargs):
    account = account or make.account(
        partner=make.partner(brand_name="Acme Wealth", brand_color="#0b5fff")
    )
    user = user or account.users.get()
    return issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=kwargs.pop("lifetime", HOUR),
        **kwargs,
    )


def url(issued) -> str:
    return f"/auth/partner-login/{issued.secret}"


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_USER_AGENT=UA, REMOTE_ADDR="203.0.113.7")


@pytest.mark.django_db
def test_get_names_account_partner_and_email_and_consumes_nothing(make, browser):
    issued = partner_link(make)
    response = browser.get(url(issued))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Account {issued.link.account_id}" in page
    assert "Acme Wealth" in page
    assert issued.link.user.email in page
    assert ">Continue</button>" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f"/auth/brand/{issued.link.partner_id}.css" in page
    issued.link.refresh_from_db()
    assert issued.link.used_at is None
    assert SESSION_KEY not in browser.session


@pytest.mark.django_db
def test_head_consumes_nothing(make, browser):
    issued = partner_link(make)
    for _ in range(3):
        response = browser.head(url(issued))
        assert response.status_code == 200
        assert response.content == b""
    issued.link.refresh_from_db()
    assert issued.link.is_active
    assert not AuditEvent.objects.filter(event="login_link.redeemed").exists()


@pytest.mark.django_db
def test_post_signs_in_rotates_session_activates_and_audits(make, browser):
    issued = partner_link(make)
    account = issued.link.account
    assert account.status == AccountStatus.ONBOARDING
    browser.get(url(issued))
    browser.session.save()
    before = browser.session.session_key

    response = browser.post(url(issued))

    assert response.status_code == 303
    assert response["Location"] == "/auth/password/set/"  # no password yet
    assert browser.session[SESSION_KEY] == str(issued.link.user_id)
    assert browser.session.session_key != before  # login() rotated the key
    issued.link.refresh_from_db()
    assert issued.link.used_at is not None
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and account.activated_at is not None
    redeemed = AuditEvent.objects.get(event="login_link.redeemed", link_id=issued.link.pk)
    assert redeemed.ip_address == "203.0.113.7"
    assert redeemed.user_agent == UA
    assert redeemed.account_id == account.pk
    activated = AuditEvent.objects.get(event="account.activated", account_id=account.pk)
    assert activated.actor_id == str(issued.link.user_id)


@pytest.mark.django_db
def test_second_sign_in_does_not_reactivate(make, browser):
    first = partner_link(make)
    account = first.link.account
    browser.post(url(first))
    second = partner_link(make, account=account)
    Client().post(url(second))
    assert AuditEvent.objects.filter(event="account.activated", account_id=account.pk).count() == 1


@pytest.mark.django_db
def test_user_with_password_goes_to_validated_redirect(make, browser):
    partner = make.partner(domains=["yourplatform.com"])
    user = make.user(password="a-long-Passphrase-42")
    account = make.account(partner=partner, primary=user)
    issued = partner_link(make, account=account, redirect_url="https://app.yourplatform.com/home")
    response = browser.post(url(issued))
    assert response.status_code == 303
    assert response["Location"] == "https://app.yourplatform.com/home"


@pytest.mark.django_db
def test_redirect_rechecked_at_redemption(make, browser):
    partner = make.partner(domains=["yourplatform.com"])
    user = make.user(password="a-long-Passphrase-42")
    account = make.account(partner=partner, primary=user)
    issued = partner_link(make, account=account, redirect_url="https://app.yourplatform.com/home")
    partner.permitted_domains = ["other.example"]
    partner.save()
    response = browser.post(url(issued))
    assert response["Location"] == "/auth/account/"
    refused = AuditEvent.objects.get(event="login_link.redirect_refused")
    assert "permitted" in refused.details["reason"]


@pytest.mark.django_db
def test_user_with_password_and_no_redirect_lands_on_account_page(make, browser):
    user = make.user(password="a-long-Passphrase-42")
    issued = partner_link(make, account=make.account(primary=user))
    response = browser.post(url(issued), follow=True)
    assert response.redirect_chain[-1] == ("/auth/account/", 303)
    assert user.email in response.content.decode()


@pytest.mark.django_db
def test_post_requires_csrf_token(make):
    issued = partner_link(make)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(issued))
    assert response.status_code == 403
    issued.link.refresh_from_db()
    assert issued.link.is_active


@pytest.mark.django_db
def test_post_with_csrf_token_from_the_page(make):
    issued = partner_link(make)
    strict = Client(enforce_csrf_checks=True)
    strict.get(url(issued))
    token = strict.cookies["csrftoken"].value
    response = strict.post(url(issued), {"csrfmiddlewaretoken": token})
    assert response.status_code == 303


@pytest.mark.django_db
def test_null_origin_accepted_only_when_browser_says_same_origin(make):
    """Under Referrer-Policy: no-referrer browsers send Origin: null with the page's own POST."""
    issued = partner_link(make)
    strict = Client(enforce_csrf_checks=True)
    strict.get(url(issued))
    data = {"csrfmiddlewaretoken": strict.cookies["csrftoken"].value}
    cross = strict.post(url(issued), data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site")
    assert cross.status_code == 403
    foreign = strict.post(url(issued), data, HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403
    issued.link.refresh_from_db()
    assert issued.link.is_active
    same = strict.post(url(issued), data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert same.status_code == 303


@pytest.mark.django_db
def test_signing_in_replaces_another_users_session(make, browser):
    other = make.user(password="a-long-Passphrase-42")
    browser.force_login(other)
    issued = partner_link(make)
    browser.post(url(issued))
    assert browser.session[SESSION_KEY] == str(issued.link.user_id)


def _status_of(browser, issued) -> tuple[int, str]:
    response = browser.get(url(issued))
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_used_link_page(make, browser):
    issued = partner_link(make)
    browser.post(url(issued))
    status, page = _status_of(Client(), issued)
    assert status == 410
    assert "already been used" in page
    assert "Email me a fresh link" in page
    again = Client().post(url(issued))
    assert again.status_code == 410 and "already been used" in again.content.decode()


@pytest.mark.django_db
def test_expired_link_page(make, browser):
    issued = partner_link(make)
    LoginLink.objects.filter(pk=issued.link.pk).update(expires_at=timezone.now())
    status, page = _status_of(browser, issued)
    assert status == 410 and "has expired" in page and "Email me a fresh link" in page
    post = browser.post(url(issued))
    assert post.status_code == 410 and "has expired" in post.content.decode()
    failed = AuditEvent.objects.get(event="login_link.redeem_failed")
    assert failed.details == {"reason": "expired"}


@pytest.mark.django_db
def test_replaced_link_page(make, browser):
    old = partner_link(make)
    partner_link(make, account=old.link.account)
    status, page = _status_of(browser, old)
    assert status == 410 and "replaced by a newer one" in page


@pytest.mark.django_db
def test_revoked_link_page_offers_no_self_service(make, browser):
    issued = partner_link(make)
    issued.link.partner.support_email = "help@acme.example"
    issued.link.partner.save()
    revoke_link(issued.link, actor=Actor.partner(issued.link.partner))
    status, page = _status_of(browser, issued)
    assert status == 410 and "withdrawn" in page
    assert "Email me a fresh link" not in page
    assert "help@acme.example" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token", ["A" * 43, "short", "A" * 42 + "!", "a" * 200, "%00" * 5, "..", "' OR 1=1 --"]
)
def test_unknown_link_page(browser, token):
    response = browser.get(f"/auth/partner-login/{token}")
    assert response.status_code == 404
    assert "recognise this link" in response.content.decode()
    assert browser.post(f"/auth/partner-login/{token}").status_code == 404


@pytest.mark.django_db
def test_suspended_account_refuses_sign_in(make, browser):
    issued = partner_link(make)
    suspend_account(issued.link.account, actor=Actor.system("test"))
    status, page = _status_of(browser, issued)
    assert status == 403 and "suspended" in page
    response = browser.post(url(issued))
    assert response.status_code == 403
    issued.link.refresh_from_db()
    assert issued.link.is_active  # not consumed
    assert SESSION_KEY not in browser.session
    event = AuditEvent.objects.get(event="login_link.redeem_failed")
    assert event.details == {"reason": "account_suspended"}


@pytest.mark.django_db
def test_banned_user_refused(make, browser):
    issued = partner_link(make)
    user = issued.link.user
    user.banned_until = timezone.now() + HOUR
    user.save()
    assert _status_of(browser, issued)[0] == 403
    assert browser.post(url(issued)).status_code == 403
    assert SESSION_KEY not in browser.session


@pytest.mark.django_db
def test_admin_api_links_are_not_partner_links(make, browser):
    user = make.user()
    issued = issue_link(user=user, kind=LinkKind.MAGICLINK, actor=Actor.system(), lifetime=HOUR)
    assert browser.get(f"/auth/partner-login/{issued.secret}").status_code == 404
    assert browser.post(f"/auth/partner-login/{issued.secret}").status_code == 404
    issued.link.refresh_from_db()
    assert issued.link.is_active


@pytest.mark.django_db
def test_confirm_post_rate_limited_per_ip(make, settings):
    from ratelimits.table import rate

    limit, _ = rate("browser.link_confirm.ip")
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(limit):
        assert client.post("/auth/partner-login/" + "B" * 43).status_code == 404
    limited = client.post("/auth/partner-login/" + "B" * 43)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Too many attempts" in limited.content.decode()
    assert (
        Client(REMOTE_ADDR="198.51.100.10").get("/auth/partner-login/" + "B" * 43).status_code
        == 404
    )


@pytest.mark.django_db
def test_pages_mention_who_is_signed_in(make, browser):
    other = make.user(password="a-long-Passphrase-42")
    browser.force_login(other)
    issued = partner_link(make)
    page = browser.get(url(issued)).content.decode()
    assert f"You are signed in as {other.email}" in page
    browser.post(url(issued))
    used = browser.get(url(issued)).content.decode()
    assert f"You are signed in as {issued.link.user.email}" in used
    assert 'href="/auth/account/"' in used
