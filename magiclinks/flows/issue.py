"""Issue a link: invalidate the user's open links of the same scope, then create the new one.

(A partner or staff link also replaces the person's self-service links of that account; a
self-service link replaces only those: see models.self_service_scope.)

Both happen in one transaction, under a lock on the user's row, so two simultaneous issues for
the same person cannot both leave an active link behind.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.models import AuditEvent
from audit.recorder import build

from .. import tokens
from ..models import (
    InvalidationReason,
    LinkKind,
    LoginLink,
    admin_scope,
    partner_scope,
    self_service_scope,
)


@dataclass(frozen=True)
class IssuedLink:
    """The new link and its plaintext secret (and OTP), handed back exactly once."""

    link: LoginLink
    secret: str
    otp: str | None
    invalidated_count: int

    @property
    def hashed_token(self) -> str:
        """What the Admin API hands out as `hashed_token`: a hash of the secret. The database
        stores a hash of this (magiclinks.tokens), so the column itself cannot be presented."""
        return tokens.hashed_token(self.secret)


def issue_link(
    *,
    user: Any,
    kind: str,
    actor: Actor,
    lifetime: timedelta,
    account: Any = None,
    purpose: str = "",
    redirect_url: str = "",
    new_email: str = "",
    with_otp: bool = False,
    details: dict | None = None,
    self_service: bool = False,
) -> IssuedLink:
    """Create a link for `user` and return it with its secret. See the module docstring.

    `self_service` (partner_login only): the person asked for it themselves; it replaces only
    their earlier self-service links of the account (models.self_service_scope)."""
    if kind == LinkKind.PARTNER_LOGIN and account is None:
        raise ValueError("partner_login links need an account")
    if kind == LinkKind.PARTNER_LOGIN:
        own, mine = partner_scope(account.pk), self_service_scope(account.pk)
        scope, replaces = (mine, [mine]) if self_service else (own, [own, mine])
    else:
        scope = admin_scope(kind)
        replaces = [scope]
    partner_id = account.partner_id if account is not None else None
    now = timezone.now()
    secret = tokens.new_secret()

    with transaction.atomic(savepoint=False):
        # Serialise issues for this person: the invalidation below must see every earlier link.
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
        superseded = list(
            LoginLink.objects.filter(
                user=user, scope__in=replaces, used_at=None, invalidated_at=None, expires_at__gt=now
            ).values_list("pk", flat=True)
        )
        link = LoginLink(
            token_digest=tokens.digest(secret),
            user=user,
            account=account,
            partner_id=partner_id,
            kind=kind,
            scope=scope,
            purpose=purpose,
            redirect_url=redirect_url,
            new_email=new_email,
            issuer_type=actor.type,
            issuer_id=actor.id,
            issuer_label=actor.label[:255],
            created_at=now,
            expires_at=now + lifetime,
        )
        otp = None
        if with_otp:
            otp = tokens.new_otp()
            link.otp_mac = tokens.otp_mac(link.pk, otp)
        link.save(force_insert=True)

        events = [
            build(
                "login_link.generated",
                actor=actor,
                partner=partner_id,
                account=account,
                user=user,
                link=link,
                details={
                    "kind": kind,
                    "purpose": purpose,
                    "expires_at": link.expires_at.isoformat(),
                    "redirect_url": redirect_url or None,
                    "previous_links_invalidated": len(superseded),
                    **(details or {}),
                },
            )
        ]
        if superseded:
            LoginLink.objects.filter(pk__in=superseded).update(
                invalidated_at=now, invalidation_reason=InvalidationReason.SUPERSEDED
            )
            events += [
                build(
                    "login_link.invalidated",
                    actor=actor,
                    partner=partner_id,
                    account=account,
                    user=user,
                    link=old_pk,
                    details={"reason": InvalidationReason.SUPERSEDED, "replaced_by": str(link.pk)},
                )
                for old_pk in superseded
            ]
        AuditEvent.objects.bulk_create(events)

    return IssuedLink(link=link, secret=secret, otp=otp, invalidated_count=len(superseded))


def invalidate_open_links(
    *,
    user: Any,
    actor: Actor,
    reason: str,
    scopes: list[str] | None = None,
    exclude: Any = None,
    details: dict | None = None,
) -> int:
    """Invalidate a user's open links (optionally only some scopes); returns how many.

    `details` are added to each `login_link.invalidated` event (after the reason)."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        open_links = LoginLink.objects.filter(
            user=user, used_at=None, invalidated_at=None, expires_at__gt=now
        )
        if scopes is not None:
            open_links = open_links.filter(scope__in=scopes)
        if exclude is not None:
            open_links = open_links.exclude(pk=getattr(exclude, "pk", exclude))
        rows = list(open_links.values_list("pk", "account_id", "partner_id"))
        if not rows:
            return 0
        LoginLink.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
            invalidated_at=now, invalidation_reason=reason
        )
        AuditEvent.objects.bulk_create(
            build(
                "login_link.invalidated",
                actor=actor,
                partner=partner_id,
                account=account_id,
                user=user,
                link=pk,
                details={"reason": reason, **(details or {})},
            )
            for pk, account_id, partner_id in rows
        )
    return len(rows)


__all__ = ["IssuedLink", "invalidate_open_links", "issue_link"]
