"""One delivery attempt of an outbox row: claim it, sign, POST, record the outcome.

No database lock or transaction is held during the HTTP request (it may last the whole timeout):
a short transaction claims the row (`SELECT … FOR UPDATE SKIP LOCKED`, then attempts + 1 and a
lease pushing next_attempt_at past the timeout), so a duplicate task or a sweeper re-dispatch
skips it; a second short transaction records the result. A worker that dies mid-request leaves
the row pending with its lease, and the sweeper retries it once the lease has passed: delivery
is at least once; receivers deduplicate on the payload's `id` (docs/webhooks.md).
"""

import json
import logging
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from . import schedule, signing, targets, transport
from .models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)
SENDER = Actor.system("webhooks")
LEASE_MARGIN_SECONDS = 30


class Outcome(StrEnum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # not pending, not due, or locked by another worker
    RETRY = "retry"
    FAILED = "failed"


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        lease = settings.WEBHOOK_TIMEOUT_SECONDS * 2 + LEASE_MARGIN_SECONDS
        delivery.next_attempt_at = now + timedelta(seconds=lease)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def _send(delivery: WebhookDelivery) -> transport.Result:
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        return transport.Result(None, "endpoint disabled")
    try:
        target = targets.check_url(endpoint.url)  # again: DNS may have changed since saving
    except targets.TargetRefused as exc:
        return transport.Result(None, f"refused: {exc}")
    body = body_of(delivery)
    headers = {
        signing.HEADER: signing.sign(signing.unseal(endpoint.encrypted_secret), body),
        "Linkgate-Event": delivery.event_type,
        "Linkgate-Delivery": str(delivery.pk),
    }
    return transport.post(target, body, headers)


def _record(delivery: WebhookDelivery, result: transport.Result) -> tuple[Outcome, int | None]:
    delivery.last_response_code = result.status_code
    delivery.last_error = result.error[:500]
    fields = ["last_response_code", "last_error", "status", "next_attempt_at", "delivered_at"]
    now = timezone.now()
    if result.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        delivery.save(update_fields=fields)
        return Outcome.DELIVERED, None
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not delivery.endpoint.enabled:
        with transaction.atomic():
            delivery.status = DeliveryStatus.FAILED
            delivery.save(update_fields=fields)
            record(
                "webhook.delivery_failed",
                actor=SENDER,
                partner=delivery.partner_id,
                details={
                    "delivery_id": delivery.pk,
                    "endpoint_id": delivery.endpoint_id,
                    "event_type": delivery.event_type,
                    "attempts": delivery.attempts,
                    "last_response_code": result.status_code,
                    "last_error": delivery.last_error,
                },
            )
        logger.warning("webhook delivery %s failed for good: %s", delivery.pk, result.error)
        return Outcome.FAILED, None
    delay = schedule.delay_after(delivery.attempts)
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    delivery.save(update_fields=fields)
    logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, result)
    return Outcome.RETRY, delay


def attempt(delivery_id: int) -> tuple[Outcome, int | None]:
    """Make one attempt if the row is due; returns the outcome and the delay before the next."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Outcome.SKIPPED, None
    try:
        result = _send(delivery)
    except Exception as exc:  # anything unexpected is a failed attempt, not a lost row
        logger.exception("webhook delivery %s crashed", delivery_id)
        result = transport.Result(None, f"error ({type(exc).__name__})")
    try:
        return _record(delivery, result)
    except DatabaseError:
        if not WebhookDelivery.objects.filter(pk=delivery.pk).exists():
            return Outcome.SKIPPED, None  # its endpoint was deleted (with it) meanwhile
        raise
