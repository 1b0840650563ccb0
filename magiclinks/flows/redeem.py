"""Redeem a link by its secret or by its one-time code.

The consuming step is a single conditional UPDATE
(`… WHERE id = %s AND used_at IS NULL AND invalidated_at IS NULL AND expires_at > now`): the
database decides which of two simultaneous clicks wins, on PostgreSQL and SQLite alike, with no
check-then-save window (the weakness of django-sesame's and Zulip's approach).

Every redemption (Admin API verify, the browser's partner-link and reset pages) passes through
`_consume`, which refuses links of staff and superusers (accounts.protection) before consuming:
a link issued before its user was promoted must not sign them in anywhere.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.protection import is_protected
from audit.actors import Actor
from audit.models import AuditEvent
from audit.recorder import build, record

from .. import tokens
from ..models import InvalidationReason, LinkStatus, LoginLink


class RedeemFailure(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    INVALIDATED = "invalidated"
    REVOKED = "revoked"
    WRONG_CODE = "wrong_code"  # an OTP that matches none of the user's open links
    DISABLED = "disabled"  # the user is banned or deactivated
    PROTECTED = "protected"  # the user is staff or superuser: no link signs them in


@dataclass(frozen=True)
class Redemption:
    link: LoginLink | None
    failure: RedeemFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def _failure_of(link: LoginLink, now: datetime) -> RedeemFailure:
    return {
        LinkStatus.REVOKED: RedeemFailure.REVOKED,
        LinkStatus.INVALIDATED: RedeemFailure.INVALIDATED,
        LinkStatus.USED: RedeemFailure.USED,
        LinkStatus.EXPIRED: RedeemFailure.EXPIRED,
    }.get(link.status_at(now), RedeemFailure.INVALIDATED)


def _user_disabled(link: LoginLink) -> bool:
    user = link.user
    return not user.is_active or user.is_banned


def record_failure(link: LoginLink | None, reason: str, details: dict | None = None) -> None:
    """Audit a failed redemption. Also for callers that refuse a link before consuming it
    (e.g. the browser when the account is suspended), so every refusal has one shape."""
    record(
        "login_link.redeem_failed",
        actor=Actor.user(link.user) if link is not None else Actor.anonymous(),
        partner=link.partner_id if link else None,
        account=link.account_id if link else None,
        user=link.user if link else None,
        link=link,
        details={"reason": reason, **(details or {})},
    )


def _fail(
    link: LoginLink | None, failure: RedeemFailure, details: dict | None = None
) -> Redemption:
    record_failure(link, failure.value, details)
    return Redemption(link=link, failure=failure)


def _consume(link: LoginLink, now: datetime, extra_conditions: dict | None = None) -> Redemption:
    """The atomic conditional UPDATE; records the outcome. Runs inside the caller's atomic."""
    if is_protected(link.user):
        # Security: the browser session a link starts is the session /admin/ uses, and an
        # Admin API session could change the password; neither may be had through a link.
        return _fail(link, RedeemFailure.PROTECTED)
    if _user_disabled(link):
        return _fail(link, RedeemFailure.DISABLED)
    consumed = LoginLink.objects.filter(
        pk=link.pk,
        used_at=None,
        invalidated_at=None,
        expires_at__gt=now,
        **(extra_conditions or {}),
    ).update(used_at=now)
    if not consumed:
        link.refresh_from_db(fields=["used_at", "invalidated_at", "invalidation_reason"])
        return _fail(link, _failure_of(link, now))
    link.used_at = now
    record(
        "login_link.redeemed",
        actor=Actor.user(link.user),
        partner=link.partner_id,
        account=link.account_id,
        user=link.user,
        link=link,
        details={"kind": link.kind},
    )
    return Redemption(link=link)


def _lookup(kinds: Iterable[str]):
    return LoginLink.objects.select_related("user", "account", "partner").filter(kind__in=kinds)


def redeem_link(link: LoginLink | None, *, now: datetime | None = None) -> Redemption:
    """Consume a link the caller has already looked up (None: the secret matched nothing).

    For callers that need the row before consuming it (the browser page checks its account), so
    the link is not fetched twice. Joins the caller's transaction without a savepoint.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if link is None:
            return _fail(None, RedeemFailure.UNKNOWN)
        return _consume(link, now)


def redeem_secret(
    secret: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume the link whose secret is `secret`, if it is one of `kinds` and still active."""
    parsed = tokens.parse_secret(secret)
    link = _lookup(kinds).filter(token_digest=tokens.digest(parsed)).first() if parsed else None
    return redeem_link(link, now=now)


def redeem_digest(
    token_digest: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume a link by its stored digest (the Admin API's `hashed_token`)."""
    parsed = tokens.parse_digest(token_digest)
    link = _lookup(kinds).filter(token_digest=parsed).first() if parsed else None
    return redeem_link(link, now=now)


def redeem_otp(
    user, otp: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume the user's open link whose code is `otp`.

    A wrong code counts against every open code-bearing link of those kinds; a link that reaches
    OTP_MAX_ATTEMPTS wrong codes is invalidated, so a 6-digit code cannot be brute-forced.
    """
    now = now or timezone.now()
    limit = settings.OTP_MAX_ATTEMPTS
    kinds = list(kinds)
    with transaction.atomic():
        candidates = list(
            _lookup(kinds)
            .filter(user=user, used_at=None, invalidated_at=None, expires_at__gt=now)
            .filter(otp_failed_attempts__lt=limit)
            .exclude(otp_mac="")
        )
        # Check every candidate (no early exit) so timing does not depend on which one matches.
        matches = [link for link in candidates if tokens.otp_matches(link.otp_mac, link.pk, otp)]
        if matches:
            return _consume(matches[0], now, {"otp_failed_attempts__lt": limit})
        if not candidates:
            return _fail(None, RedeemFailure.UNKNOWN, {"user_id": str(user.pk)})
        pks = [link.pk for link in candidates]
        LoginLink.objects.filter(pk__in=pks).update(
            otp_failed_attempts=F("otp_failed_attempts") + 1
        )
        exhausted = list(
            LoginLink.objects.filter(
                pk__in=pks, otp_failed_attempts__gte=limit, invalidated_at=None
            ).values_list("pk", "account_id", "partner_id")
        )
        if exhausted:
            LoginLink.objects.filter(pk__in=[pk for pk, _, _ in exhausted]).update(
                invalidated_at=now, invalidation_reason=InvalidationReason.OTP_ATTEMPTS
            )
            AuditEvent.objects.bulk_create(
                build(
                    "login_link.invalidated",
                    actor=Actor.system("otp attempt limit"),
                    partner=partner_id,
                    account=account_id,
                    user=user,
                    link=pk,
                    details={"reason": InvalidationReason.OTP_ATTEMPTS},
                )
                for pk, account_id, partner_id in exhausted
            )
    # The failed attempt is recorded after the counters are committed, in its own transaction,
    # because a failure must leave its trace even though the request fails.
    failure = RedeemFailure.INVALIDATED if exhausted else RedeemFailure.WRONG_CODE
    return _fail(candidates[0], failure)
