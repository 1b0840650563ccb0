"""magiclinks.staff.bulk: emailing fresh links to several accounts' primary users at once."""

import re

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from accounts.models import Account, AccountStatus
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.models import LoginLink, Notification

CHANGELIST = "admin:accounts_account_changelist"


def run_action(client, accounts, **extra):
    data = {
        "action": "email_links",
        helpers.ACTION_CHECKBOX_NAME: [a.pk for a in accounts],
        **extra,
    }
    return client.post(reverse(CHANGELIST), data)


@pytest.mark.django_db
def test_confirm_then_report_per_account(client, make):
    staff = make.staff("accounts.generate_login_link", "accounts.view_account")
    client.force_login(staff)
    fine = make.account()
    suspended = make.account(status=AccountStatus.SUSPENDED)
    limited = make.account(partner=make.partner(login_links_per_account_per_hour=1))
    make.account(partner=limited.partner, primary=make.user())  # untouched bystander
    generate_partner_link(
        limited, PartnerLinkOptions(send_notification=False), actor=Actor.system("test")
    )
    accounts = [fine, suspended, limited]

    confirm = run_action(client, accounts)
    assert confirm.status_code == 200
    assert "Generate and email 3 link(s)" in confirm.text
    assert LoginLink.objects.count() == 1  # nothing issued before confirming

    report = run_action(
        client,
        accounts,
        confirm="yes",
        purpose="expired_link",
        expiry_hours=48,
        custom_message="",
    )
    assert report.status_code == 200
    rows = re.findall(r'data-account="(\d+)">.*?data-outcome="([^"]+)"', report.text, re.S)
    outcomes = {int(pk): outcome for pk, outcome in rows}
    assert outcomes == {fine.pk: "issued", suspended.pk: "suspended", limited.pk: "limited"}
    link = LoginLink.objects.get(account=fine)
    assert link.purpose == "expired_link" and link.issuer_type == "staff"
    assert Notification.objects.get(link=link).recipient == fine.users.get().email
    assert "/auth/partner-login/" not in report.text  # links are emailed, never shown
    assert AuditEvent.objects.filter(event="login_link.generated", actor_type="staff").count() == 1


@pytest.mark.django_db
def test_action_needs_the_permission(client, make):
    client.force_login(make.staff("accounts.view_account", "accounts.change_account"))
    account = make.account()
    page = client.get(reverse(CHANGELIST))
    assert 'value="email_links"' not in page.text
    response = run_action(client, [account], confirm="yes", purpose="expired_link", expiry_hours=24)
    assert response.status_code == 302  # Django refuses an unknown action and redirects
    assert not LoginLink.objects.exists()


@pytest.mark.django_db
def test_too_many_accounts_are_refused(client, make, monkeypatch):
    monkeypatch.setattr("magiclinks.staff.bulk.MAX_ACCOUNTS", 2)
    client.force_login(make.staff("accounts.generate_login_link", "accounts.view_account"))
    accounts = [make.account() for _ in range(3)]
    response = run_action(client, accounts, confirm="yes", purpose="expired_link", expiry_hours=24)
    assert response.status_code == 302
    assert not LoginLink.objects.exists()
    follow = client.get(response.url)
    assert "Select at most 2 accounts" in follow.text


@pytest.mark.django_db
def test_account_without_primary_user_is_reported(client, make):
    client.force_login(make.staff("accounts.generate_login_link", "accounts.view_account"))
    empty = Account.objects.create(partner=make.partner())
    report = run_action(client, [empty], confirm="yes", purpose="expired_link", expiry_hours=24)
    assert 'data-outcome="no user"' in report.text
    assert "no primary user" in report.text
    assert not LoginLink.objects.exists()
