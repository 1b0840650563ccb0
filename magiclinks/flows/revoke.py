"""Revoke one active link (Partner API, admin action)."""

from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from ..models import InvalidationReason, LoginLink


def revoke_link(link: LoginLink, *, actor: Actor) -> bool:
    """Revoke `link` if it is still active; returns whether it was. Audited."""
    now = timezone.now()
    with transaction.atomic():
        revoked = (
            LoginLink.objects.filter(pk=link.pk, used_at=None, invalidated_at=None)
            .filter(expires_at__gt=now)
            .update(invalidated_at=now, invalidation_reason=InvalidationReason.REVOKED)
        )
        if revoked:
            link.invalidated_at, link.invalidation_reason = now, InvalidationReason.REVOKED
            record(
                "login_link.revoked",
                actor=actor,
                partner=link.partner_id,
                account=link.account_id,
                user=link.user_id,
                link=link,
                details={"kind": link.kind},
            )
    return bool(revoked)
