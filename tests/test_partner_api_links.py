"""GET /accounts/{id}/login-links and POST …/login-links/{link_id}/revoke."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind, LinkStatus, LoginLink
from tests.partner_api_support import error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def issue(account, user=None, **kwargs):
    return issue_link(
        user=user or account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=kwargs.pop("lifetime", timedelta(hours=1)),
        **kwargs,
    )


def test_list_links_shows_every_status_and_never_a_token(tenant, make):
    user = tenant.account.users.get()
    other = make.member(tenant.account, email="o@example.com")
    used = issue(tenant.account, other)
    redeem_secret(used.secret, kinds=[LinkKind.PARTNER_LOGIN])
    issue(tenant.account, user, lifetime=timedelta(seconds=-1))  # expired on arrival
    superseded = issue(tenant.account, user, purpose="support_request")
    active = issue(tenant.account, user, redirect_url="https://yourplatform.com/x")
    assert superseded.link.pk != active.link.pk

    response = tenant.api.get(f"/accounts/{tenant.account.pk}/login-links")
    assert response.status_code == 200
    body = response.json()
    assert body["total_count"] == 4 and body["has_more"] is False
    statuses = {item["link_id"]: item["status"] for item in body["login_links"]}
    assert statuses[str(used.link.pk)] == "used"
    assert statuses[str(superseded.link.pk)] == "invalidated"
    assert statuses[str(active.link.pk)] == "active"
    assert sorted(statuses.values()) == ["active", "expired", "invalidated", "used"]
    first = body["login_links"][0]
    assert first["link_id"] == str(active.link.pk)  # newest first
    assert first["redirect_url"] == "https://yourplatform.com/x"
    assert first["issued_by"] == {"type": "partner", "label": tenant.partner.name}
    text = response.content.decode()
    for issued in (used, superseded, active):
        assert issued.secret not in text and issued.link.token_digest not in text


def test_list_links_filters_and_pages(tenant, make):
    primary = tenant.account.users.get()
    other = make.member(tenant.account, email="o@example.com")
    issue(tenant.account, primary)
    issue(tenant.account, other)
    path = f"/accounts/{tenant.account.pk}/login-links"
    assert tenant.api.get(path, {"status": "active"}).json()["total_count"] == 2
    assert tenant.api.get(path, {"status": "revoked"}).json()["total_count"] == 0
    by_user = tenant.api.get(path, {"user_email": "O@example.com"}).json()
    assert [link["user_email"] for link in by_user["login_links"]] == ["o@example.com"]
    page = tenant.api.get(path, {"limit": 1}).json()
    assert len(page["login_links"]) == 1 and page["has_more"] is True
    assert error_of(tenant.api.get(path, {"status": "lost"})) == (400, "VALIDATION_ERROR")


def test_revoke_an_active_link(tenant):
    issued = issue(tenant.account)
    path = f"/accounts/{tenant.account.pk}/login-links/{issued.link.pk}/revoke"
    response = tenant.api.post(path)  # no body is needed
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    assert LoginLink.objects.get(pk=issued.link.pk).status == LinkStatus.REVOKED
    assert (
        AuditEvent.objects.filter(event="login_link.revoked", link_id=issued.link.pk).count() == 1
    )
    # The revoked link no longer signs anybody in.
    assert redeem_secret(issued.secret, kinds=[LinkKind.PARTNER_LOGIN]).failure == "revoked"
    again = tenant.api.post(path, {})
    assert error_of(again) == (409, "LINK_NOT_ACTIVE")


def test_revoke_unknown_or_foreign_link_is_404(tenant, other_tenant):
    foreign = issue(other_tenant.account)
    mine = f"/accounts/{tenant.account.pk}/login-links/{foreign.link.pk}/revoke"
    assert error_of(tenant.api.post(mine)) == (404, "LINK_NOT_FOUND")
    theirs = f"/accounts/{other_tenant.account.pk}/login-links/{foreign.link.pk}/revoke"
    assert error_of(tenant.api.post(theirs)) == (404, "ACCOUNT_NOT_FOUND")
    assert error_of(
        tenant.api.post(f"/accounts/{tenant.account.pk}/login-links/not-a-uuid/revoke")
    ) == (404, "NOT_FOUND")
    assert LoginLink.objects.get(pk=foreign.link.pk).status == LinkStatus.ACTIVE


def test_list_links_of_other_partner_is_404(tenant, other_tenant):
    response = tenant.api.get(f"/accounts/{other_tenant.account.pk}/login-links")
    assert error_of(response) == (404, "ACCOUNT_NOT_FOUND")


def test_expired_link_cannot_be_revoked(tenant):
    issued = issue(tenant.account, lifetime=timedelta(seconds=-1))
    response = tenant.api.post(f"/accounts/{tenant.account.pk}/login-links/{issued.link.pk}/revoke")
    assert error_of(response) == (409, "LINK_NOT_ACTIVE")
    assert LoginLink.objects.get(pk=issued.link.pk).expires_at < timezone.now()
