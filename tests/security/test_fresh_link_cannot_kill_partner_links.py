"""The self-service "email me a fresh link" form cannot hurt the partner (issue 11, item 13).

The attack: a partner hands a client a `manual_delivery` link in person. Anybody who knows the
client's address opens any /auth/partner-login/<garbage> page and asks for a fresh link for that
address. The fresh link used to be issued like a partner link: it superseded the partner's link
(the client's link died) and took a slot of the account's 10-per-hour allowance (the partner could
be locked out of issuing links). Now the fresh link is a separate self-service link: it replaces
only earlier self-service links, and it is limited per address and per IP, not per account.
"""

import pytest
from django.test import Client

from audit.models import AuditEvent
from magiclinks.models import LinkPurpose, LinkStatus, LoginLink, Notification
from ratelimits.table import rate
from tests.partner_api_support import Api, error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db
UNKNOWN_TOKEN = "Q" * 43  # the shape of a link secret, matching nothing


def _issue(tenant, **body):
    return tenant.api.post(f"/accounts/{tenant.account.pk}/login-link", body)


def _ask_for_fresh_link(email: str, token: str = UNKNOWN_TOKEN, ip: str = "198.51.100.9"):
    return Client(REMOTE_ADDR=ip).post(f"/auth/partner-login/{token}/new-link", {"email": email})


def test_anonymous_fresh_link_request_neither_kills_the_manual_link_nor_uses_the_allowance(
    tenant,
):
    handed_over = _issue(tenant, purpose="manual_delivery", send_notification=False)
    assert handed_over.status_code == 201
    manual = handed_over.json()

    # The attacker asks as often as the per-address limit lets them, from several IPs.
    per_address, _ = rate("browser.fresh_link.address")
    for attempt in range(per_address):
        page = _ask_for_fresh_link("john.doe@example.com", ip=f"198.51.100.{attempt + 10}")
        assert page.status_code == 200
    assert _ask_for_fresh_link("john.doe@example.com", ip="198.51.100.99").status_code == 429

    # The partner's link still works: the client signs in with it.
    link = LoginLink.objects.get(pk=manual["link_id"])
    assert link.status == LinkStatus.ACTIVE
    signed_in = Client().post(manual["login_link"].split("127.0.0.1:8000", 1)[1])
    assert signed_in.status_code == 303, signed_in.content

    # The partner's allowance is untouched: 10 per hour, the manual link being the first.
    allowance = tenant.partner.links_per_account_per_hour()
    for _ in range(allowance - 1):
        assert _issue(tenant, send_notification=False).status_code == 201
    assert error_of(_issue(tenant, send_notification=False)) == (429, "LOGIN_LINK_LIMIT_EXCEEDED")


def test_the_client_still_gets_a_working_self_service_link(tenant):
    manual = _issue(tenant, purpose="manual_delivery", send_notification=False).json()
    assert _ask_for_fresh_link("john.doe@example.com").status_code == 200
    fresh = LoginLink.objects.get(purpose=LinkPurpose.EXPIRED_LINK)
    assert fresh.is_active and fresh.issuer_type == "user" and fresh.account == tenant.account
    assert Notification.objects.get(link=fresh).recipient == "john.doe@example.com"
    assert LoginLink.objects.get(pk=manual["link_id"]).is_active  # both work, side by side
    # A second request replaces the first self-service link only.
    assert _ask_for_fresh_link("john.doe@example.com", ip="198.51.100.50").status_code == 200
    fresh.refresh_from_db()
    assert fresh.status == LinkStatus.INVALIDATED
    assert LoginLink.objects.get(pk=manual["link_id"]).is_active


def test_a_dead_link_of_the_client_cannot_be_used_to_kill_the_partners_newer_link(tenant):
    first = _issue(tenant, send_notification=False).json()
    manual = _issue(tenant, purpose="manual_delivery", send_notification=False).json()
    old_token = first["login_link"].rsplit("/", 1)[1]  # replaced, so it offers the form
    assert _ask_for_fresh_link("john.doe@example.com", token=old_token).status_code == 200
    assert LoginLink.objects.get(pk=manual["link_id"]).is_active
    event = AuditEvent.objects.get(event="login_link.fresh_requested")
    assert event.details == {"sent": True, "reason": None}


def test_a_partner_link_issued_later_replaces_the_self_service_link(tenant):
    # The partner's word is the last: its new link replaces every open link of the user on the
    # account (the contract's previous_links_invalidated), self-service ones included.
    _ask_for_fresh_link("john.doe@example.com")
    fresh = LoginLink.objects.get(purpose=LinkPurpose.EXPIRED_LINK)
    issued = _issue(tenant, send_notification=False).json()
    assert issued["previous_links_invalidated"] == 1
    fresh.refresh_from_db()
    assert fresh.status == LinkStatus.INVALIDATED


def test_known_and_unknown_addresses_get_the_same_page_and_the_same_limits(tenant):
    known = _ask_for_fresh_link("john.doe@example.com", ip="203.0.113.1")
    unknown = _ask_for_fresh_link("nobody@example.com", ip="203.0.113.2")
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace("john.doe@example.com", "X") == (
        unknown.content.decode().replace("nobody@example.com", "X")
    )
    # The per-address counter runs for an unknown address exactly as for a known one.
    per_address, _ = rate("browser.fresh_link.address")
    for address in ("john.doe@example.com", "nobody@example.com"):
        statuses = [
            _ask_for_fresh_link(address, ip=f"192.0.2.{i}").status_code for i in range(per_address)
        ]
        assert statuses == [200] * (per_address - 1) + [429]


def test_fresh_links_do_not_touch_a_partner_with_an_exhausted_allowance(make):
    partner = make.partner(login_links_per_account_per_hour=1)
    account = make.account(partner=partner)
    api = Api(make.api_key(partner))
    assert api.post(f"/accounts/{account.pk}/login-link", {}).status_code == 201
    # The allowance is the partner's; the person may still help themselves.
    assert _ask_for_fresh_link(account.users.get().email).status_code == 200
    assert LoginLink.objects.filter(purpose=LinkPurpose.EXPIRED_LINK, account=account).exists()
