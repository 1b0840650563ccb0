"""/v1beta/webhooks (webhooks.views): CRUD with the secret shown once, tenancy, scope, the
envelope for bad input, the test event and the delivery list, all matching the OpenAPI schema."""

import pytest
import schemathesis
from django.test import Client

from tests.partner_api_support import Api, error_of
from tests.test_partner_api_schema import _wrap
from webhooks import signing
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytest_plugins = ["tests.partner_api_fixtures", "tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def schema(local_targets):
    spec = Client().get("/v1beta/schema/", headers={"Accept": "application/json"}).json()
    return schemathesis.openapi.from_dict(spec)


def _check(schema, method, template, response, **params):
    schema[template][method].validate_response(_wrap(response, method, template.format(**params)))
    return response


def test_create_shows_the_secret_once_and_stores_it_encrypted(tenant, schema):
    created = _check(
        schema,
        "POST",
        "/v1beta/webhooks",
        tenant.api.post("/webhooks", {"url": URL, "events": ["login_link.redeemed"]}),
    )
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["secret_last4"] == secret[-4:]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert secret.encode() not in bytes(endpoint.encrypted_secret)
    assert signing.unseal(endpoint.encrypted_secret) == secret
    shown = _check(
        schema,
        "GET",
        "/v1beta/webhooks/{webhook_id}",
        tenant.api.get(f"/webhooks/{endpoint.pk}"),
        webhook_id=endpoint.pk,
    )
    assert "secret" not in shown.json() and shown.json()["events"] == ["login_link.redeemed"]
    listed = _check(schema, "GET", "/v1beta/webhooks", tenant.api.get("/webhooks"))
    assert listed.json()["total_count"] == 1 and secret not in listed.content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL, "events": ["login_link.generated"]}, "events.0"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL}, "events"),
        ({"url": "ftp://x.example/", "events": ["account.activated"]}, "url"),
        ({"url": URL, "events": ["account.activated"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_bodies_are_validation_errors(tenant, schema, body, field):
    response = _check(schema, "POST", "/v1beta/webhooks", tenant.api.post("/webhooks", body))
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert field in response.json()["error"]["details"]["fields"]
    assert WebhookEndpoint.objects.count() == 0


def test_private_targets_are_refused_in_production(tenant, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = tenant.api.post(
        "/webhooks", {"url": "https://127.0.0.1/hook", "events": ["account.activated"]}
    )
    assert error_of(response) == (400, "VALIDATION_ERROR")
    assert "private" in str(response.json()["error"]["details"]["fields"]["url"])


def test_update_delete_and_tenancy(tenant, other_tenant, schema):
    endpoint_id = tenant.api.post(
        "/webhooks", {"url": URL, "events": ["account.activated"]}
    ).json()["id"]
    template = "/v1beta/webhooks/{webhook_id}"
    for response in (
        other_tenant.api.get(f"/webhooks/{endpoint_id}"),
        other_tenant.api.call("DELETE", f"/webhooks/{endpoint_id}"),
        other_tenant.api.post(f"/webhooks/{endpoint_id}/test"),
    ):
        assert error_of(response) == (404, "WEBHOOK_NOT_FOUND")
    changed = tenant.api.client.generic(
        "PATCH",
        f"/v1beta/webhooks/{endpoint_id}",
        '{"enabled": false, "events": ["notification.bounced", "notification.delivered"]}',
        content_type="application/json",
        headers=tenant.api.headers(),
    )
    _check(schema, "PATCH", template, changed, webhook_id=endpoint_id)
    assert changed.json()["enabled"] is False
    assert changed.json()["events"] == ["notification.bounced", "notification.delivered"]
    deleted = tenant.api.call("DELETE", f"/webhooks/{endpoint_id}")
    _check(schema, "DELETE", template, deleted, webhook_id=endpoint_id)
    assert deleted.status_code == 204 and not WebhookEndpoint.objects.exists()
    assert error_of(tenant.api.get(f"/webhooks/{endpoint_id}")) == (404, "WEBHOOK_NOT_FOUND")


def test_the_scope_is_required(tenant, make):
    scoped = Api(make.api_key(tenant.partner, name="links", scopes=["links:write"]))
    assert error_of(scoped.get("/webhooks")) == (403, "INSUFFICIENT_PERMISSIONS")
    response = scoped.post("/webhooks", {"url": URL, "events": ["account.activated"]})
    assert error_of(response) == (403, "INSUFFICIENT_PERMISSIONS")


def test_send_a_test_event_and_list_deliveries(tenant, schema):
    endpoint_id = tenant.api.post(
        "/webhooks", {"url": URL, "events": ["account.activated"]}
    ).json()["id"]
    queued = _check(
        schema,
        "POST",
        "/v1beta/webhooks/{webhook_id}/test",
        tenant.api.post(f"/webhooks/{endpoint_id}/test"),
        webhook_id=endpoint_id,
    )
    assert queued.status_code == 202
    assert queued.json()["event_type"] == "webhook.test" and queued.json()["status"] == "pending"
    assert WebhookDelivery.objects.get().endpoint_id == endpoint_id
    listed = _check(
        schema,
        "GET",
        "/v1beta/webhooks/{webhook_id}/deliveries",
        tenant.api.get(f"/webhooks/{endpoint_id}/deliveries"),
        webhook_id=endpoint_id,
    )
    assert [d["id"] for d in listed.json()["deliveries"]] == [queued.json()["id"]]
    filtered = tenant.api.get(f"/webhooks/{endpoint_id}/deliveries", {"status": "failed"})
    assert filtered.json()["total_count"] == 0
    bad = tenant.api.get(f"/webhooks/{endpoint_id}/deliveries", {"status": "lost"})
    assert error_of(bad) == (400, "VALIDATION_ERROR")
    with_body = tenant.api.post(f"/webhooks/{endpoint_id}/test", {"type": "x"})
    assert error_of(with_body) == (400, "VALIDATION_ERROR")
