"""accounts.admin_keys: keys created in the admin are shown once, stored hashed, revocable."""

import re

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from accounts.keys import digest_key
from accounts.models import PartnerApiKey, ServiceKey, User
from audit.models import AuditEvent

PARTNER_KEY = re.compile(r"15th_[A-Za-z0-9_-]{43}")
SERVICE_KEY = re.compile(r"lgsk_[A-Za-z0-9_-]{43}")


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root@example.com", "x-long-password-1")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_partner_key_plaintext_is_shown_once_and_only_the_digest_stored(client, make, superuser):
    partner = make.partner()
    add_url = reverse("admin:accounts_partnerapikey_add")
    assert client.get(add_url, {"partner": partner.pk}).status_code == 200
    response = client.post(
        add_url, {"partner": partner.pk, "name": "billing", "scopes": ["accounts:read"]}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    shown = PARTNER_KEY.findall(response.text)
    assert len(shown) == 1
    key = PartnerApiKey.objects.get()
    assert key.key_digest == digest_key(shown[0]) and key.scopes == ["accounts:read"]
    assert shown[0] not in str(AuditEvent.objects.get(event="api_key.created").details)
    detail = client.get(reverse("admin:accounts_partnerapikey_change", args=[key.pk]))
    assert detail.status_code == 200
    assert key.key_digest not in detail.text and shown[0] not in detail.text
    assert f"15th_…{key.last4}" in detail.text
    listing = client.get(reverse("admin:accounts_partnerapikey_changelist"))
    assert key.key_digest not in listing.text and not PARTNER_KEY.search(listing.text)


@pytest.mark.django_db
def test_partner_key_form_rejects_a_past_expiry(client, make, superuser):
    partner = make.partner()
    response = client.post(
        reverse("admin:accounts_partnerapikey_add"),
        {
            "partner": partner.pk,
            "name": "x",
            "scopes": ["links:write"],
            "expires_at": "2001-01-01 00:00",
        },
    )
    assert "must be in the future" in response.text
    assert not PartnerApiKey.objects.exists()


@pytest.mark.django_db
def test_revoke_partner_keys_is_audited(client, make, superuser):
    partner = make.partner()
    make.api_key(partner)
    key = PartnerApiKey.objects.get()
    response = client.post(
        reverse("admin:accounts_partnerapikey_changelist"),
        {"action": "revoke_keys", helpers.ACTION_CHECKBOX_NAME: [key.pk]},
        follow=True,
    )
    assert "1 key(s) revoked" in response.text
    key.refresh_from_db()
    assert key.is_revoked
    event = AuditEvent.objects.get(event="api_key.revoked")
    assert (event.actor_type, event.actor_id) == ("staff", str(superuser.pk))


@pytest.mark.django_db
def test_keys_cannot_be_edited_or_deleted(client, make, superuser):
    make.api_key(make.partner())
    key = PartnerApiKey.objects.get()
    url = reverse("admin:accounts_partnerapikey_change", args=[key.pk])
    client.post(url, {"name": "renamed"})
    key.refresh_from_db()
    assert key.name == "default"
    delete = reverse("admin:accounts_partnerapikey_delete", args=[key.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.django_db
def test_service_key_created_once_and_revoked(client, make, superuser):
    response = client.post(reverse("admin:accounts_servicekey_add"), {"name": "backend"})
    shown = SERVICE_KEY.findall(response.text)
    assert len(shown) == 1
    key = ServiceKey.objects.get()
    assert key.key_digest == digest_key(shown[0])
    again = client.post(reverse("admin:accounts_servicekey_add"), {"name": "backend"})
    assert "already exists" in again.text and ServiceKey.objects.count() == 1
    client.post(
        reverse("admin:accounts_servicekey_changelist"),
        {"action": "revoke_keys", helpers.ACTION_CHECKBOX_NAME: [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(event="service_key.revoked").count() == 1


@pytest.mark.django_db
def test_creating_and_revoking_need_permissions(client, make):
    client.force_login(make.staff("accounts.view_servicekey"))
    assert client.get(reverse("admin:accounts_servicekey_add")).status_code == 403
    assert client.post(reverse("admin:accounts_servicekey_add"), {"name": "x"}).status_code == 403
    assert not ServiceKey.objects.exists()
    listing = client.get(reverse("admin:accounts_servicekey_changelist"))
    assert 'value="revoke_keys"' not in listing.text


@pytest.mark.django_db
def test_partner_page_lists_its_keys_masked(client, make, superuser):
    partner = make.partner()
    plaintext = make.api_key(partner)
    key = PartnerApiKey.objects.get()
    page = client.get(reverse("admin:accounts_partner_change", args=[partner.pk]))
    assert f"15th_…{key.last4}" in page.text
    assert plaintext not in page.text and key.key_digest not in page.text
    assert f"{reverse('admin:accounts_partnerapikey_add')}?partner={partner.pk}" in page.text
