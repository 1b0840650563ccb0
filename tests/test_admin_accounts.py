"""accounts.admin and accounts.account_status: suspend/reactivate (audited), users, partners."""

import threading

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.urls import reverse

from accounts.account_status import reactivate_account, suspend_account
from accounts.models import Account, AccountStatus, Partner, User
from audit.actors import Actor
from audit.models import AuditEvent

ACCOUNTS = reverse("admin:accounts_account_changelist")


def act(client, action, accounts):
    return client.post(
        ACCOUNTS,
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [a.pk for a in accounts]},
        follow=True,
    )


@pytest.mark.django_db
def test_suspend_and_reactivate_actions_are_audited(client, make):
    staff = make.staff("accounts.view_account", "accounts.change_account")
    client.force_login(staff)
    onboarding, active = make.account(), make.account(status=AccountStatus.ACTIVE)
    Account.objects.filter(pk=active.pk).update(activated_at="2026-01-01T00:00Z")
    response = act(client, "suspend_accounts", [onboarding, active])
    assert "2 account(s) suspended" in response.text
    assert set(Account.objects.values_list("status", flat=True)) == {"suspended"}
    assert Account.objects.filter(suspended_at__isnull=False).count() == 2
    events = AuditEvent.objects.filter(event="account.suspended")
    assert {(e.account_id, e.actor_type, e.actor_id) for e in events} == {
        (onboarding.pk, "staff", str(staff.pk)),
        (active.pk, "staff", str(staff.pk)),
    }
    assert "0 account(s) suspended" in act(client, "suspend_accounts", [active]).text
    assert AuditEvent.objects.filter(event="account.suspended").count() == 2

    act(client, "reactivate_accounts", [onboarding, active])
    onboarding.refresh_from_db()
    active.refresh_from_db()
    # Each goes back to what it was: only an account somebody signed in to becomes active.
    assert (onboarding.status, active.status) == ("onboarding", "active")
    assert onboarding.suspended_at is None
    assert AuditEvent.objects.filter(event="account.reactivated").count() == 2


@pytest.mark.django_db
def test_status_actions_need_change_permission(client, make):
    client.force_login(make.staff("accounts.view_account"))
    account = make.account()
    act(client, "suspend_accounts", [account])
    account.refresh_from_db()
    assert account.status == "onboarding"
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_status_is_not_editable_in_the_form(client, make):
    client.force_login(make.staff("accounts.view_account", "accounts.change_account"))
    account = make.account()
    url = reverse("admin:accounts_account_change", args=[account.pk])
    client.post(url, {"status": "suspended", "partner": account.partner_id})
    account.refresh_from_db()
    assert account.status == "onboarding"


@pytest.mark.django_db
def test_account_page_shows_memberships_and_list_finds_by_email_or_id(client, make):
    client.force_login(make.staff("accounts.view_account"))
    account = make.account()
    spouse = make.member(account, role="spouse")
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    primary = account.users.get(memberships__role="primary")
    assert spouse.email in page.text and primary.email in page.text
    for term in (spouse.email.upper(), str(account.pk)):
        found = client.get(ACCOUNTS, {"q": term}).context["cl"].result_list
        assert [a.pk for a in found] == [account.pk], term
    assert client.get(ACCOUNTS, {"q": "no such thing"}).context["cl"].result_list.count() == 0


@pytest.mark.django_db
def test_accounts_changelist_query_count(client, make, django_assert_max_num_queries):
    client.force_login(make.staff("accounts.view_account"))
    for _ in range(25):
        make.account()
    with django_assert_max_num_queries(12):
        response = client.get(ACCOUNTS)
    rows = response.context["cl"].result_list
    assert len(rows) == 25 and all("@" in a.primary_email for a in rows)


@pytest.mark.django_db
def test_user_admin_uses_email_and_searches_by_it(client, make):
    client.force_login(User.objects.create_superuser("root@example.com", "x-long-password-1"))
    add = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "New.Person@Example.com", "usable_password": "false"},
    )
    assert add.status_code == 302
    created = User.objects.get(email="new.person@example.com")
    assert not created.has_usable_password()
    duplicate = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "NEW.person@example.com", "usable_password": "false"},
    )
    assert "already exists" in duplicate.text
    found = client.get(reverse("admin:accounts_user_changelist"), {"q": "new.person"})
    assert [u.pk for u in found.context["cl"].result_list] == [created.pk]
    assert client.get(reverse("admin:accounts_user_change", args=[created.pk])).status_code == 200


@pytest.mark.django_db
def test_partner_domains_are_normalised_and_validated(client, make):
    client.force_login(User.objects.create_superuser("root@example.com", "x-long-password-1"))
    data = {
        "name": "Acme",
        "is_active": "on",
        "permitted_domains": "Acme.COM\nbücher.example\n\nacme.com",
        "brand_color": "#0b5fff",
    }
    assert client.post(reverse("admin:accounts_partner_add"), data).status_code == 302
    assert Partner.objects.get().permitted_domains == ["acme.com", "xn--bcher-kva.example"]
    bad = client.post(
        reverse("admin:accounts_partner_add"),
        {
            **data,
            "name": "Bad",
            "permitted_domains": "https://x.com/\nlocalhost",
            "brand_color": "blue",
        },
    )
    assert bad.status_code == 200
    assert "not a valid domain name" in bad.text and "hex colour" in bad.text
    assert Partner.objects.count() == 1


@pytest.mark.django_db
def test_suspend_and_reactivate_flows_change_once(make):
    account = make.account()
    actor = Actor.system("t")
    assert suspend_account(account, actor=actor) is True
    assert suspend_account(account, actor=actor) is False
    assert reactivate_account(account, actor=actor) is True
    assert reactivate_account(account, actor=actor) is False
    assert list(AuditEvent.objects.order_by("id").values_list("event", flat=True)) == [
        "account.suspended",
        "account.reactivated",
    ]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_suspensions_change_once(make, postgres):
    account = make.account()
    barrier = threading.Barrier(8)
    results = []

    def suspend() -> None:
        try:
            barrier.wait()
            results.append(
                suspend_account(Account.objects.get(pk=account.pk), actor=Actor.system())
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=suspend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert AuditEvent.objects.filter(event="account.suspended").count() == 1
