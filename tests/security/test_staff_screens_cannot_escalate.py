"""Finding 1 (high), from inside the Django admin: a support agent must not be able to turn their
narrow permissions into somebody else's (wider) ones.

- "Generate login link" (`accounts.generate_login_link`) mints a browser sign-in, and the
  browser session is the admin's session: it must never be minted for a staff member or
  superuser who happens to be on an account.
- Creating an Admin API service key is superuser-only: a service key administers every
  non-staff user, so `accounts.add_servicekey` alone must not mint one.
"""

import re

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from accounts.models import Membership, MembershipRole, ServiceKey, User
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification

GENERATE = "accounts.generate_login_link"
LINK_RE = re.compile(r"/auth/partner-login/([A-Za-z0-9_-]{43})")
SERVICE_KEY = re.compile(r"lgsk_[A-Za-z0-9_-]{43}")

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client, make):
    """A support agent with exactly the permissions the screen needs, and nothing else."""
    agent = make.staff(GENERATE, "accounts.view_account", "accounts.view_user")
    client.force_login(agent)
    return agent


@pytest.fixture
def account_with_superuser(make):
    """An ordinary account whose spouse is (or became) a superuser."""
    account = make.account()
    boss = User.objects.create_superuser("boss@example.com", password="boss-Passw0rd-long")
    Membership.objects.create(account=account, user=boss, role=MembershipRole.SPOUSE)
    return account, boss


def test_support_agent_cannot_mint_a_link_for_a_superuser_from_the_account(
    client, support, account_with_superuser
):
    account, boss = account_with_superuser
    url = reverse("admin:accounts_account_generate_link", args=[account.pk])
    response = client.post(
        url,
        {
            "membership": account.memberships.get(user=boss).pk,
            "purpose": "support_request",
            "expiry_hours": 24,
        },
    )
    assert not LINK_RE.search(response.text)
    assert not LoginLink.objects.filter(user=boss).exists()
    # Nor is the superuser offered as a choice.
    form = client.get(url)
    assert form.status_code == 200 and boss.email not in form.text


def test_support_agent_cannot_mint_a_link_for_a_superuser_from_the_user_page(
    client, support, account_with_superuser
):
    account, boss = account_with_superuser
    response = client.post(
        reverse("admin:accounts_user_generate_link", args=[boss.pk]),
        {
            "membership": account.memberships.get(user=boss).pk,
            "purpose": "support_request",
            "expiry_hours": 24,
        },
    )
    assert not LINK_RE.search(response.text)
    assert not LoginLink.objects.filter(user=boss).exists()
    page = client.get(reverse("admin:accounts_user_change", args=[boss.pk]))
    assert "generate-login-link" not in page.text


def test_bulk_email_action_skips_a_primary_user_who_is_staff(client, make, support):
    agent = make.staff(password="agent-Passw0rd-long")
    account = make.account(primary=agent)
    response = client.post(
        reverse("admin:accounts_account_changelist"),
        {
            "action": "email_links",
            helpers.ACTION_CHECKBOX_NAME: [account.pk],
            "confirm": "yes",
            "purpose": "expired_link",
            "expiry_hours": 24,
            "custom_message": "",
        },
    )
    outcome = re.search(r'data-outcome="([^"]+)"', response.text)
    assert outcome and outcome.group(1) == "protected"
    assert not LoginLink.objects.exists() and not Notification.objects.exists()


def test_add_servicekey_permission_alone_cannot_mint_a_service_key(client, make):
    client.force_login(make.staff("accounts.add_servicekey", "accounts.view_servicekey"))
    add = reverse("admin:accounts_servicekey_add")
    assert client.get(add).status_code == 403
    response = client.post(add, {"name": "escalation"})
    assert response.status_code == 403 and not SERVICE_KEY.search(response.text)
    assert not ServiceKey.objects.exists()
    assert not AuditEvent.objects.filter(event="service_key.created").exists()


def test_a_superuser_still_creates_service_keys_and_it_is_audited(client):
    root = User.objects.create_superuser("root@example.com", "root-Passw0rd-long")
    client.force_login(root)
    response = client.post(reverse("admin:accounts_servicekey_add"), {"name": "backend"})
    assert len(SERVICE_KEY.findall(response.text)) == 1
    key = ServiceKey.objects.get()
    event = AuditEvent.objects.get(event="service_key.created")
    assert (event.actor_type, event.actor_id) == ("staff", str(root.pk))
    assert event.details == {"key_id": key.pk, "name": "backend"}
