"""webhooks.services: endpoint changes are validated, audited and refresh the subscriptions; a
test event goes to one endpoint whatever its filter."""

import pytest

from audit.models import AuditEvent
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .webhook_support import TEST_ACTOR, endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("http://127.0.0.1:9/", ["login_link.generated"], "events"),
        ("http://127.0.0.1:9/", [], "events"),
        ("gopher://127.0.0.1:9/", ["account.activated"], "url"),
    ],
)
def test_invalid_endpoints_are_refused_and_nothing_is_written(
    make, local_targets, url, events, field
):
    with pytest.raises(services.InvalidEndpoint) as refused:
        services.create_endpoint(make.partner(), url=url, event_types=events, actor=TEST_ACTOR)
    assert refused.value.field == field
    assert not WebhookEndpoint.objects.exists() and not AuditEvent.objects.exists()


def test_each_change_is_audited_without_the_secret(make, local_targets):
    endpoint, secret = endpoint_for(
        make.partner(), "http://127.0.0.1:9/a", events=["account.activated"]
    )
    services.update_endpoint(endpoint, actor=TEST_ACTOR, description="ops", enabled=False)
    endpoint_id = endpoint.pk
    services.delete_endpoint(endpoint, actor=TEST_ACTOR)
    events = AuditEvent.objects.order_by("id")
    assert [e.event for e in events] == [
        "webhook.endpoint_created",
        "webhook.endpoint_updated",
        "webhook.endpoint_deleted",
    ]
    assert all(e.details["endpoint_id"] == endpoint_id for e in events)
    assert secret not in str([e.details for e in events])


def test_a_test_event_ignores_the_filter(make, local_targets):
    endpoint, _ = endpoint_for(make.partner(), "http://127.0.0.1:9/a", events=["account.activated"])
    row = services.send_test(endpoint)
    assert WebhookDelivery.objects.get() == row
    assert row.event_type == "webhook.test" and row.payload["data"] == {"endpoint_id": endpoint.pk}
    assert row.event_id.startswith("evt_test_") and row.payload["id"] == row.event_id


def test_a_partner_has_at_most_the_configured_number_of_endpoints(make, local_targets):
    local_targets.WEBHOOK_ENDPOINTS_PER_PARTNER = 2
    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/a")
    endpoint_for(partner, "http://127.0.0.1:9/b")
    with pytest.raises(services.InvalidEndpoint, match="at most 2"):
        endpoint_for(partner, "http://127.0.0.1:9/c")
    endpoint_for(make.partner(), "http://127.0.0.1:9/other")  # per partner
    assert WebhookEndpoint.objects.count() == 3
