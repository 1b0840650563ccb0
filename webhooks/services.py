"""Managing endpoints (Partner API and admin): create, change, delete, send a test event.

Each change is one transaction with its audit event; the partner's cached subscription set is
refreshed after it commits (webhooks.subscriptions).
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Partner
from audit.actors import Actor
from audit.recorder import record

from . import events, signing, subscriptions, targets
from .models import WebhookDelivery, WebhookEndpoint
from .sink import enqueue


class InvalidEndpoint(ValueError):
    """A field is wrong: `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def validate(url: str, event_types: list[str]) -> None:
    try:
        targets.check_url(url)
    except targets.TargetRefused as exc:
        raise InvalidEndpoint("url", str(exc)) from exc
    unknown = sorted(set(event_types) - events.SUBSCRIBABLE)
    if unknown or not event_types:
        raise InvalidEndpoint("events", f"Choose one or more of {', '.join(events.EVENT_TYPES)}.")


def _changed(endpoint: WebhookEndpoint, event: str, actor: Actor) -> None:
    record(
        event,
        actor=actor,
        partner=endpoint.partner_id,
        details={"endpoint_id": endpoint.pk, "url": endpoint.url, "events": endpoint.events},
    )
    partner_id = endpoint.partner_id
    transaction.on_commit(lambda: subscriptions.refresh(partner_id))


def create_endpoint(
    partner, *, url: str, event_types: list[str], actor: Actor, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret (shown once, then only its last 4 characters)."""
    validate(url, event_types)
    secret = signing.new_secret()
    with transaction.atomic():
        # The partner row is locked so that concurrent creations cannot pass the limit together.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        limit = settings.WEBHOOK_ENDPOINTS_PER_PARTNER
        if WebhookEndpoint.objects.filter(partner=partner).count() >= limit:
            raise InvalidEndpoint("url", f"A partner can have at most {limit} webhook endpoints.")
        endpoint = WebhookEndpoint.objects.create(
            partner=partner,
            url=url,
            events=sorted(set(event_types)),
            description=description,
            encrypted_secret=signing.seal(secret),
            secret_last4=secret[-4:],
        )
        _changed(endpoint, "webhook.endpoint_created", actor)
    return endpoint, secret


def update_endpoint(endpoint: WebhookEndpoint, *, actor: Actor, **changes) -> WebhookEndpoint:
    """Change url, events (list), description and/or enabled."""
    url = changes.get("url", endpoint.url)
    event_types = changes.get("events", endpoint.events)
    validate(url, event_types)
    with transaction.atomic():
        endpoint.url, endpoint.events = url, sorted(set(event_types))
        endpoint.description = changes.get("description", endpoint.description)
        endpoint.enabled = changes.get("enabled", endpoint.enabled)
        endpoint.save()
        _changed(endpoint, "webhook.endpoint_updated", actor)
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: Actor) -> None:
    with transaction.atomic():
        _changed(endpoint, "webhook.endpoint_deleted", actor)
        endpoint.delete()


def send_test(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to this endpoint, whatever its event filter."""
    event_id = f"evt_test_{uuid.uuid4().hex}"
    payload = {
        "id": event_id,
        "type": events.TEST,
        "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": {"endpoint_id": endpoint.pk},
    }
    with transaction.atomic():
        return enqueue([endpoint], event_id, events.TEST, payload)[0]
