"""The beat task that notices partner login links expiring unused: one `login_link.expired`
audit event per link (and so, through the sink, one webhook per subscribed endpoint).

A link is reported once: the candidate query excludes links that already have the event (the
audit_link index), and each link is re-checked under its row lock (SKIP LOCKED), so two beat
runs at the same moment cannot both report it. Only links that expired within the last
WEBHOOK_EXPIRED_LOOKBACK_SECONDS are looked at, which bounds the scan and means a link that
expired long before this feature (or an outage longer than that) is not reported late.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from audit.recorder import record
from magiclinks.models import LoginLink

from .events import LINK_EXPIRED

BATCH_SIZE = 500
WATCHER = Actor.system("expiry")


def _unreported(now) -> QuerySet[LoginLink]:
    since = now - timedelta(seconds=settings.WEBHOOK_EXPIRED_LOOKBACK_SECONDS)
    reported = AuditEvent.objects.filter(event=LINK_EXPIRED, link_id=OuterRef("pk"))
    return LoginLink.objects.filter(
        partner__isnull=False,
        expires_at__lte=now,
        expires_at__gt=since,
        used_at=None,
        invalidated_at=None,
    ).exclude(Exists(reported))


def report_expired() -> int:
    """Record `login_link.expired` for every newly expired unused link; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        links = list(
            _unreported(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("expires_at")[:BATCH_SIZE]
        )
        for link in links:
            record(
                LINK_EXPIRED,
                actor=WATCHER,
                partner=link.partner_id,
                account=link.account_id,
                user=link.user_id,
                link=link,
                details={"kind": link.kind, "expired_at": link.expires_at.isoformat()},
            )
    return len(links)


@shared_task(name="webhooks.report_expired_links")
def report_expired_links() -> int:
    return report_expired()
