"""Delete links that expired long ago, in small batches.

Each batch is its own short transaction that deletes rows by primary key, so no lock is held
for long and the table never sees one huge DELETE. Audit events keep their link ids (the audit
log has no constraint on them) and so keep the history.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import LoginLink


def purge_expired_links(
    *, older_than_days: int | None = None, batch_size: int | None = None, max_batches: int = 1000
) -> int:
    """Delete links whose expiry is more than `older_than_days` ago; returns how many."""
    days = settings.LINK_PURGE_AFTER_DAYS if older_than_days is None else older_than_days
    size = batch_size or settings.LINK_PURGE_BATCH_SIZE
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    for _ in range(max_batches):
        batch = list(
            LoginLink.objects.filter(expires_at__lt=cutoff)
            .order_by("expires_at")
            .values_list("pk", flat=True)[:size]
        )
        if not batch:
            break
        with transaction.atomic():
            LoginLink.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
        if len(batch) < size:
            break
    return deleted
