"""The audit event sink: an event a partner subscribed to becomes outbox rows, in its transaction.

Registered with audit.recorder in WebhooksConfig.ready(). Cost for an event nobody subscribed
to: a set lookup for the event type, and for the six webhook types one cache read (no SQL).
"""

from django.db import transaction

from audit.models import AuditEvent

from . import events, subscriptions
from .dispatch import dispatch
from .models import WebhookDelivery, WebhookEndpoint


def enqueue(endpoints: list[WebhookEndpoint], event_id: str, event_type: str, payload: dict):
    """Write one pending delivery per endpoint and dispatch each after the transaction commits."""
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            partner_id=endpoint.partner_id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
        )
        for endpoint in endpoints
    )
    for row in rows:
        # The row is committed before the broker hears of it; if the broker is down the
        # sweeper finds the row, so nothing is lost (the email outbox does the same).
        transaction.on_commit(lambda pk=row.pk: dispatch(pk))
    return rows


def on_audit_event(event: AuditEvent) -> None:
    if event.event not in events.SUBSCRIBABLE or event.partner_id is None:
        return
    if event.event not in subscriptions.subscribed(event.partner_id):
        return
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(partner_id=event.partner_id, enabled=True)
        if event.event in endpoint.events
    ]
    if endpoints:
        enqueue(endpoints, f"evt_{event.pk}", event.event, events.payload_for(event))
