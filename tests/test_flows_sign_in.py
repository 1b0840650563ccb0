"""magiclinks.flows.sign_in called directly: link sign-ins consume the link, start a session and
activate an onboarding account in one transaction; reading a link changes nothing; refusals are
typed. The pages around it: tests/test_browser_partner_login.py, tests/test_browser_passwords.py."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from accounts.account_status import suspend_account
from accounts.models import AccountStatus
from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.sign_in import (
    ACCOUNT_SUSPENDED,
    find_link,
    find_reset_link,
    record_failed_password,
    sign_in_with_partner_link,
    sign_in_with_password,
    sign_in_with_reset_link,
    sign_out,
)
from magiclinks.models import LinkKind, LinkPurpose, LinkStatus, LoginLink

pytestmark = pytest.mark.django_db


def browser_request():
    request = RequestFactory().post("/auth/partner-login/x")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    return request


def partner_link(make, **account_fields):
    account = make.account(**account_fields)
    return issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )


def reset_link(make, **fields):
    return issue_link(
        user=make.user(**fields),
        kind=LinkKind.RECOVERY,
        actor=Actor.system(),
        lifetime=timedelta(hours=1),
        purpose=LinkPurpose.LOST_CREDENTIALS,
    )


def test_finding_a_link_consumes_nothing(make):
    issued = partner_link(make)
    assert find_link(issued.secret, [LinkKind.PARTNER_LOGIN]) == issued.link
    assert find_link(issued.secret, [LinkKind.MAGICLINK]) is None
    assert find_link("not a secret", [LinkKind.PARTNER_LOGIN]) is None
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE


def test_a_partner_link_signs_in_and_activates_the_account(make):
    issued = partner_link(make)
    request = browser_request()
    outcome = sign_in_with_partner_link(request, issued.secret)
    assert outcome.ok and outcome.link == issued.link and outcome.next_url == ""
    assert request.user == issued.link.user and request.session.session_key
    assert LoginLink.objects.get().status == LinkStatus.USED
    issued.link.account.refresh_from_db()
    assert issued.link.account.status == AccountStatus.ACTIVE
    second = sign_in_with_partner_link(browser_request(), issued.secret)
    assert (second.ok, second.failure) == (False, "used")


def test_a_suspended_account_refuses_and_keeps_the_link(make):
    issued = partner_link(make)
    suspend_account(issued.link.account, actor=Actor.system())
    request = browser_request()
    outcome = sign_in_with_partner_link(request, issued.secret)
    assert outcome.failure == ACCOUNT_SUSPENDED
    assert not request.user.is_authenticated
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE


def test_reset_links_sign_in_only_through_the_reset_flow(make):
    issued = reset_link(make)
    assert find_reset_link(issued.secret) == issued.link
    assert sign_in_with_partner_link(browser_request(), issued.secret).failure == "unknown"
    request = browser_request()
    assert sign_in_with_reset_link(request, issued.secret).ok
    assert request.user == issued.link.user


def test_an_admin_api_recovery_link_is_not_a_browser_reset_link(make):
    issued = issue_link(
        user=make.user(),
        kind=LinkKind.RECOVERY,
        actor=Actor.system(),
        lifetime=timedelta(hours=1),
    )
    assert find_reset_link(issued.secret) is None
    assert sign_in_with_reset_link(browser_request(), issued.secret).failure == "unknown"
    assert LoginLink.objects.get().status == LinkStatus.ACTIVE


def test_password_sign_in_and_sign_out_are_audited(make):
    user = make.user()
    request = browser_request()
    sign_in_with_password(request, user)
    assert request.user == user
    sign_out(request)
    assert not request.user.is_authenticated
    events = list(
        AuditEvent.objects.filter(user_id=user.pk).order_by("id").values_list("event", flat=True)
    )
    assert events == ["user.signed_in", "user.signed_out"]


def test_a_wrong_password_is_audited_for_known_addresses_only(make):
    user = make.user("known@example.com")
    record_failed_password("Known@Example.com")
    record_failed_password("stranger@example.com")
    event = AuditEvent.objects.get(event="user.sign_in_failed")
    assert event.user_id == user.pk and event.details == {"method": "password"}
