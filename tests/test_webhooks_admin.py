"""webhooks.admin: an endpoint created in the admin shows its secret once (no-store), changes
go through the service (audited, SSRF-checked), deliveries are read-only."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from webhooks import signing
from webhooks.models import WebhookEndpoint

from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db
SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root@example.com", "x-long-password-1")
    client.force_login(user)
    return user


def test_the_secret_is_shown_once_and_stored_encrypted(client, make, superuser, local_targets):
    partner = make.partner()
    add_url = reverse("admin:webhooks_webhookendpoint_add")
    assert client.get(add_url).status_code == 200
    response = client.post(
        add_url,
        {
            "partner": partner.pk,
            "url": "http://127.0.0.1:9/hook",
            "events": ["login_link.redeemed", "notification.bounced"],
            "description": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    (secret,) = set(SECRET.findall(response.text))
    endpoint = WebhookEndpoint.objects.get()
    assert signing.unseal(endpoint.encrypted_secret) == secret
    assert endpoint.events == ["login_link.redeemed", "notification.bounced"]
    detail = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert secret not in detail.text and f"whsec_…{endpoint.secret_last4}" in detail.text
    event = AuditEvent.objects.get(event="webhook.endpoint_created")
    assert event.actor_type == "staff" and secret not in str(event.details)


def test_an_internal_url_is_refused_by_the_form(client, make, superuser):
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "partner": make.partner().pk,
            "url": "https://169.254.169.254/",
            "events": ["account.activated"],
        },
    )
    assert response.status_code == 200 and "private" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_changes_are_audited_and_deliveries_are_read_only(client, make, superuser, local_targets):
    endpoint, _ = endpoint_for(make.partner(), "http://127.0.0.1:9/hook")
    url = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    response = client.post(
        url,
        {
            "url": "http://127.0.0.1:9/other",
            "events": ["account.activated"],
            "description": "ops",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        "http://127.0.0.1:9/other",
        ["account.activated"],
        False,
    )
    assert AuditEvent.objects.filter(event="webhook.endpoint_updated").count() == 1
    assert client.get(reverse("admin:webhooks_webhookdelivery_add")).status_code == 403
