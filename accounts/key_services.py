"""Creating and revoking Partner API keys and Admin API service keys (audited).

The plaintext key is returned once, to the caller, and never stored or logged.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from . import keys
from .models import Partner, PartnerApiKey, ServiceKey

# How stale `last_used_at` may get: authenticating must not cost a write per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def touch_last_used(key: PartnerApiKey | ServiceKey) -> None:
    """Record use at most once per minute: skip (no query) when the loaded value is fresh, else
    a conditional UPDATE, so concurrent requests of one key write once, not once each."""
    now = timezone.now()
    stale_before = now - LAST_USED_GRANULARITY
    if key.last_used_at is not None and key.last_used_at >= stale_before:
        return
    type(key).objects.filter(pk=key.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=stale_before)
    ).update(last_used_at=now)
    key.last_used_at = now


@dataclass(frozen=True)
class CreatedPartnerKey:
    key: PartnerApiKey
    plaintext: str


@dataclass(frozen=True)
class CreatedServiceKey:
    key: ServiceKey
    plaintext: str


def create_partner_key(
    partner: Partner,
    *,
    actor: Actor,
    name: str = "default",
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> CreatedPartnerKey:
    new = keys.generate_key(keys.PARTNER_KEY_PREFIX)
    with transaction.atomic():
        key = PartnerApiKey(
            partner=partner,
            name=name,
            key_digest=new.digest,
            last4=new.last4,
            expires_at=expires_at,
        )
        if scopes is not None:
            key.scopes = list(scopes)
        key.save(force_insert=True)
        record(
            "api_key.created",
            actor=actor,
            partner=partner,
            details={"key_id": key.pk, "last4": key.last4, "scopes": key.scopes},
        )
    return CreatedPartnerKey(key=key, plaintext=new.plaintext)


def revoke_partner_key(key: PartnerApiKey, *, actor: Actor) -> bool:
    with transaction.atomic():
        revoked = PartnerApiKey.objects.filter(pk=key.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if revoked:
            record(
                "api_key.revoked",
                actor=actor,
                partner=key.partner_id,
                details={"key_id": key.pk, "last4": key.last4},
            )
    return bool(revoked)


def create_service_key(name: str, *, actor: Actor) -> CreatedServiceKey:
    new = keys.generate_key(keys.SERVICE_KEY_PREFIX)
    with transaction.atomic():
        key = ServiceKey.objects.create(name=name, key_digest=new.digest, last4=new.last4)
        record("service_key.created", actor=actor, details={"key_id": key.pk, "name": name})
    return CreatedServiceKey(key=key, plaintext=new.plaintext)


def revoke_service_key(key: ServiceKey, *, actor: Actor) -> bool:
    with transaction.atomic():
        revoked = ServiceKey.objects.filter(pk=key.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if revoked:
            record("service_key.revoked", actor=actor, details={"key_id": key.pk})
    return bool(revoked)
