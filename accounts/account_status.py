"""Suspending and reactivating an account (staff actions in the admin), audited.

A suspended account gets no new login links (the link services refuse it); reactivating puts it
back to the status it had. Each change is one conditional UPDATE plus its audit event in one
transaction, so two staff members clicking at once produce exactly one change and one event.
"""

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from audit.actors import Actor
from audit.recorder import record

from .models import Account, AccountStatus


def suspend_account(account: Account, *, actor: Actor, reason: str = "") -> bool:
    """Suspend `account` unless it already is; returns whether it changed. Audited."""
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Account.objects.filter(pk=account.pk)
            .exclude(status=AccountStatus.SUSPENDED)
            .update(status=AccountStatus.SUSPENDED, suspended_at=now)
        )
        if changed:
            account.status, account.suspended_at = AccountStatus.SUSPENDED, now
            record(
                "account.suspended",
                actor=actor,
                partner=account.partner_id,
                account=account,
                details={"reason": reason} if reason else {},
            )
    return bool(changed)


def reactivate_account(account: Account, *, actor: Actor) -> bool:
    """Lift a suspension; returns whether it changed. Audited.

    The account goes back to where it was before: `active` if somebody has signed in to it
    (activated_at is set), otherwise `onboarding`.
    """
    restored = Case(
        When(activated_at__isnull=False, then=Value(AccountStatus.ACTIVE)),
        default=Value(AccountStatus.ONBOARDING),
    )
    with transaction.atomic():
        changed = Account.objects.filter(pk=account.pk, status=AccountStatus.SUSPENDED).update(
            status=restored, suspended_at=None
        )
        if changed:
            account.refresh_from_db(fields=["status", "suspended_at"])
            record(
                "account.reactivated",
                actor=actor,
                partner=account.partner_id,
                account=account,
                details={"status": account.status},
            )
    return bool(changed)
