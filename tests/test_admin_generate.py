"""magiclinks.staff: the "Generate login link" screens on the Account and User change pages."""

import re

import pytest
from django.urls import reverse

from accounts.models import AccountStatus
from audit.models import AuditEvent
from magiclinks import tokens
from magiclinks.models import LinkStatus, LoginLink, Notification

GENERATE = "accounts.generate_login_link"
LINK_RE = re.compile(r"/auth/partner-login/([A-Za-z0-9_-]{43})")


def account_url(account, suffix="change"):
    if suffix == "generate":
        return reverse("admin:accounts_account_generate_link", args=[account.pk])
    return reverse("admin:accounts_account_change", args=[account.pk])


@pytest.fixture
def support(client, make):
    """A logged-in support person who may view accounts and users and generate links."""
    user = make.staff(GENERATE, "accounts.view_account", "accounts.view_user")
    client.force_login(user)
    return user


def post_form(client, account, **overrides):
    membership = account.memberships.get(role="primary")
    data = {
        "membership": membership.pk,
        "purpose": "support_request",
        "expiry_hours": 24,
        "redirect_url": "",
        "send_email": "",
        "custom_message": "",
        **overrides,
    }
    return client.post(account_url(account, "generate"), data)


@pytest.mark.django_db
def test_button_and_form_are_shown_to_holders_of_the_permission(client, make, support):
    account = make.account()
    page = client.get(account_url(account))
    assert page.status_code == 200
    assert account_url(account, "generate") in page.text
    form = client.get(account_url(account, "generate"))
    assert form.status_code == 200
    assert account.users.get().email in form.text
    assert 'name="expiry_hours"' in form.text


@pytest.mark.django_db
def test_staff_without_the_permission_gets_no_button_and_403(client, make):
    account = make.account()
    client.force_login(make.staff("accounts.view_account", "accounts.change_account"))
    page = client.get(account_url(account))
    assert page.status_code == 200
    assert "generate-login-link" not in page.text
    assert client.get(account_url(account, "generate")).status_code == 403
    assert post_form(client, account).status_code == 403
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_the_link_is_shown_once_works_and_is_not_stored(client, make, support):
    account = make.account()
    response = post_form(client, account, purpose="lost_credentials", expiry_hours=5)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secrets = LINK_RE.findall(response.text)
    assert len(secrets) == 1  # exactly once in the page
    link = LoginLink.objects.get()
    assert link.token_digest == tokens.digest(secrets[0])
    assert link.status == LinkStatus.ACTIVE and link.purpose == "lost_credentials"
    assert link.issuer_type == "staff" and link.issuer_id == str(support.pk)
    assert round((link.expires_at - link.created_at).total_seconds()) == 5 * 3600
    # Nowhere else: not in the session, not in a message, not in the audit details.
    session = client.session
    assert all(secrets[0] not in str(value) for value in session.values())
    assert not any(secrets[0] in str(e.details) for e in AuditEvent.objects.all())
    event = AuditEvent.objects.get(event="login_link.generated")
    assert (event.actor_type, event.actor_id) == ("staff", str(support.pk))
    assert event.account_id == account.pk
    # The next page shows no link any more.
    assert not LINK_RE.search(client.get(account_url(account)).text)


@pytest.mark.django_db
def test_result_reports_invalidated_links_and_the_queued_email(client, make, support):
    account = make.account()
    post_form(client, account)
    response = post_form(client, account, send_email="on", custom_message="Call us back")
    assert re.search(r'data-field="invalidated">1<', response.text)
    assert "queued to" in response.text
    notification = Notification.objects.get()
    assert notification.options["custom_message"] == "Call us back"
    assert LoginLink.objects.filter(invalidation_reason="superseded").count() == 1


@pytest.mark.django_db
def test_redirect_outside_the_partners_domains_is_refused(client, make, support):
    account = make.account(partner=make.partner(domains=["client.example"]))
    response = post_form(client, account, redirect_url="https://evil.example/x")
    assert response.status_code == 200
    assert "permitted domains" in response.text
    assert not LoginLink.objects.exists()
    ok = post_form(client, account, redirect_url="https://app.client.example/home")
    assert LINK_RE.search(ok.text)
    assert LoginLink.objects.get().redirect_url == "https://app.client.example/home"


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [0, 169, "x"])
def test_expiry_must_be_between_1_and_168_hours(client, make, support, hours):
    account = make.account()
    response = post_form(client, account, expiry_hours=hours)
    assert response.status_code == 200 and 'class="errorlist' in response.text
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_suspended_account_gets_a_plain_message(client, make, support):
    account = make.account(status=AccountStatus.SUSPENDED)
    assert "is suspended" in client.get(account_url(account, "generate")).text
    response = post_form(client, account)
    assert "suspended" in response.text
    assert not LINK_RE.search(response.text)
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_the_per_account_limit_gives_a_friendly_message(client, make, support):
    account = make.account(partner=make.partner(login_links_per_account_per_hour=2))
    for _ in range(2):
        assert LINK_RE.search(post_form(client, account).text)
    response = post_form(client, account)
    assert response.status_code == 200
    assert "limit of 2 login links per hour" in response.text
    assert not LINK_RE.search(response.text)
    assert LoginLink.objects.count() == 2


@pytest.mark.django_db
def test_generate_from_the_user_page_picks_the_account(client, make, support):
    account = make.account()
    other = make.account(primary=account.users.get())
    user = account.users.get()
    user_url = reverse("admin:accounts_user_change", args=[user.pk])
    generate_url = reverse("admin:accounts_user_generate_link", args=[user.pk])
    assert generate_url in client.get(user_url).text
    membership = other.memberships.get(user=user)
    response = client.post(
        generate_url,
        {"membership": membership.pk, "purpose": "initial_access", "expiry_hours": 1},
    )
    assert LINK_RE.search(response.text)
    assert LoginLink.objects.get().account_id == other.pk


@pytest.mark.django_db
def test_user_on_no_account_has_no_button(client, make, support):
    loner = make.user()
    page = client.get(reverse("admin:accounts_user_change", args=[loner.pk]))
    assert page.status_code == 200 and "generate-login-link" not in page.text


@pytest.mark.django_db
def test_another_accounts_membership_cannot_be_posted(client, make, support):
    account, stranger = make.account(), make.account()
    foreign = stranger.memberships.get()
    response = post_form(client, account, membership=foreign.pk)
    assert 'class="errorlist' in response.text
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_malformed_ids_are_not_errors(client, make, support):
    for url, status in (
        # Django's admin sends a missing object back to the index with a message.
        ("/admin/accounts/user/not-a-uuid/change/", 302),
        ("/admin/accounts/user/not-a-uuid/generate-login-link/", 404),
        ("/admin/accounts/account/999999/generate-login-link/", 404),
        ("/admin/accounts/account/abc/generate-login-link/", 404),
    ):
        assert client.get(url).status_code == status, url
