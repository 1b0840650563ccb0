"""Redeem a link by its secret or by its one-time code.

The consuming step is a single conditional UPDATE
(`… WHERE id = %s AND used_at IS NULL AND invalidated_at IS NULL AND expires_at > now`): the
database decides which of two simultaneous clicks wins, on PostgreSQL and SQLite alike, with no
check-then-save window (the weakness of django-sesame's and Zulip's approach).

Every redemption (Admin API verify, the browser's partner-link and reset pages) passes through
`_consume`, which refuses links of staff and superusers (accounts.protection) before consuming:
a link issued before its user was promoted must not sign them in anywhere.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.last_login import written_by_sign_in
from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.combined import Change, record_change
from audit.models import AuditEvent
from audit.recorder import build
from audit.selects import param

from .. import tokens
from ..models import BROWSER_RESET, LinkStatus, LoginLink, admin_scope


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


def _failure_event(
    link: LoginLink | None, reason: str, details: dict | None = None, *, user: Any = None
) -> AuditEvent:
    user = link.user if link is not None else user
    return build(
        "login_link.redeem_failed",
        actor=Actor.user(link.user) if link is not None else Actor.anonymous(),
        partner=link.partner_id if link else None,
        account=link.account_id if link else None,
        user=user,
        link=link,
        details={"reason": reason, **(details or {})},
    )


def record_failure(link: LoginLink | None, reason: str, details: dict | None = None) -> None:
    """Audit a failed redemption. Also for callers that refuse a link before consuming it
    (e.g. the browser when the account is suspended), so every refusal has one shape."""
    _failure_event(link, reason, details).save(force_insert=True)


def _fail(
    link: LoginLink | None, failure: RedeemFailure, details: dict | None = None
) -> Redemption:
    record_failure(link, failure.value, details)
    return Redemption(link=link, failure=failure)


@cache
def _consume_sql(with_attempt_limit: bool) -> str:
    # Written once per process (audit.combined.record_change): the condition is the link's
    # state as an open link, so of two simultaneous redemptions exactly one changes the row.
    table = connection.ops.quote_name(LoginLink._meta.db_table)
    sql = (
        f'UPDATE {table} SET "used_at" = %s WHERE "id" = %s AND "used_at" IS NULL'  # noqa: S608
        ' AND "invalidated_at" IS NULL AND "expires_at" > %s'
    )
    return sql + (' AND "otp_failed_attempts" < %s' if with_attempt_limit else "")


def _consuming(link: LoginLink, now: datetime, attempt_limit: int | None) -> Change:
    at = param(LoginLink, "used_at", now)
    params = [at, param(LoginLink, "id", link.pk), at]
    if attempt_limit is not None:
        params.append(attempt_limit)
    return Change(_consume_sql(attempt_limit is not None), params)


@cache
def _last_login_sql() -> str:
    table = connection.ops.quote_name(User._meta.db_table)
    return f'UPDATE {table} SET "last_login" = %s WHERE "id" = %s'  # noqa: S608


def _last_login(link: LoginLink, now: datetime) -> Change:
    return Change(
        _last_login_sql(), [param(User, "last_login", now), param(User, "id", link.user_id)]
    )


def _consume(
    link: LoginLink,
    now: datetime,
    attempt_limit: int | None = None,
    *,
    signs_in: bool = False,
) -> Redemption:
    """The atomic conditional UPDATE; records the outcome. Runs inside the caller's atomic.

    `attempt_limit` (one-time codes): the link's failed attempts must still be below it.
    `signs_in`: the caller starts a browser session (django.contrib.auth.login) next; the same
    statement stores the person's last_login (their row is locked already), and login() does not
    write it again (accounts.last_login)."""
    if is_protected(link.user):
        # Security: the browser session a link starts is the session /admin/ uses, and an
        # Admin API session could change the password; neither may be had through a link.
        return _fail(link, RedeemFailure.PROTECTED)
    if _user_disabled(link):
        return _fail(link, RedeemFailure.DISABLED)
    # The consuming UPDATE and its audit event are one statement (audit.combined).
    consumed = record_change(
        _consuming(link, now, attempt_limit),
        build(
            "login_link.redeemed",
            actor=Actor.user(link.user),
            partner=link.partner_id,
            account=link.account_id,
            user=link.user,
            link=link,
            details={"kind": link.kind},
        ),
        also=(_last_login(link, now),) if signs_in else (),
    )
    if not consumed:
        link.refresh_from_db(fields=["used_at", "invalidated_at", "invalidation_reason"])
        return _fail(link, _failure_of(link, now))
    link.used_at = now
    if signs_in:
        written_by_sign_in(link.user, now)
    return Redemption(link=link)


# The one lock order of the link engine: account, then person, then links (issue_link takes
# the first two in one statement, then supersedes). A redemption locks the person (and the
# account, in the browser) before its consuming UPDATE locks the link; in the opposite order a
# redemption and an issue for the same person deadlock (tests/test_concurrency_lock_order.py).
LOCK_PERSON = ("user",)


def _lookup(kinds: Iterable[str]):
    # Every entry point of this module serves the Admin API's /auth/v1/verify. Browser
    # password-reset links are recovery links too, but they are redeemed only by
    # magiclinks.flows.sign_in (find_reset_link + redeem_link): excluded here, so no secret,
    # hashed_token or code of theirs is ever accepted by /verify (issue 11, item 6).
    return (
        LoginLink.objects.select_related("user", "account", "partner")
        .filter(kind__in=kinds)
        .exclude(BROWSER_RESET)
    )


def redeem_link(
    link: LoginLink | None, *, now: datetime | None = None, signs_in: bool = False
) -> Redemption:
    """Consume a link the caller has already looked up (None: the secret matched nothing).

    For callers that need the row before consuming it (the browser page checks its account), so
    the link is not fetched twice. Joins the caller's transaction without a savepoint. The
    caller must have locked the link's person (and account) in this transaction (LOCK_PERSON,
    sign_in.find_link_for_update): see the lock order above.
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if link is None:
            return _fail(None, RedeemFailure.UNKNOWN)
        return _consume(link, now, signs_in=signs_in)


def _redeem_stored(
    stored_digest: str | None, kinds: Iterable[str], now: datetime | None
) -> Redemption:
    """Look the link up by its stored digest, locking its person (LOCK_PERSON), and consume it;
    None (a malformed value) is "unknown" without a query."""
    with transaction.atomic(savepoint=False):
        link = (
            _lookup(kinds)
            .select_for_update(of=LOCK_PERSON)
            .filter(token_digest=stored_digest)
            .first()
            if stored_digest
            else None
        )
        return redeem_link(link, now=now)


def redeem_secret(
    secret: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume the link whose secret is `secret`, if it is one of `kinds` and still active."""
    parsed = tokens.parse_secret(secret)
    return _redeem_stored(tokens.digest(parsed) if parsed else None, kinds, now)


def redeem_digest(
    hashed_token: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume a link by the Admin API's `hashed_token` (a hash of the secret).

    The column holds a hash of the hashed_token, so the value stored in the database is not
    something this accepts (see magiclinks.tokens).
    """
    parsed = tokens.parse_digest(hashed_token)
    return _redeem_stored(tokens.stored_digest(parsed) if parsed else None, kinds, now)


# The primary key used for "nobody" when an address has no account: the same statements run
# with it, and match nothing (uuid4 never produces the nil UUID).
_NOBODY = uuid.UUID(int=0)


def redeem_otp(
    user: Any, otp: object, *, kinds: Iterable[str], now: datetime | None = None
) -> Redemption:
    """Consume the open link of `user` whose code is `otp`; `user` is None for an address
    without an account (same work, same answer: see below).

    At most OTP_MAX_ATTEMPTS guesses are ever evaluated against a link, however many arrive at
    once: the person's row is locked first (SELECT … FOR UPDATE, the lock issue_link takes), so
    the attempts for one person are evaluated one after the other, each against the counters the
    previous one committed. Locking the person rather than the candidate rows keeps the lock
    order of issue_link (person, then links), so a code being checked and a link being issued
    for the same person at the same moment cannot deadlock.

    A wrong code counts against every open code-bearing link of those kinds. When a link reaches
    the limit its CODE stops working (audited `login_link.otp_disabled`); the link itself is
    left alone, still usable by its secret and its hashed_token: anybody can type wrong codes
    for a known address, and that must not let them kill the link in that person's mailbox.

    Every failure does the same work, whether the address is unknown, has no open code or has a
    wrong one: the same statements (lock, candidates, counter UPDATE, one audit INSERT) and the
    same number of MACs (one per link the type can have open, real or dummy), so the time of a
    refusal does not tell who has an account.
    """
    now = now or timezone.now()
    limit = settings.OTP_MAX_ATTEMPTS
    kinds = list(kinds)
    person = user.pk if user is not None else _NOBODY
    with transaction.atomic(savepoint=False):
        list(User.objects.select_for_update().filter(pk=person).values_list("pk"))
        open_codes = (
            _lookup(kinds)
            .filter(user_id=person, used_at=None, invalidated_at=None, expires_at__gt=now)
            .filter(otp_failed_attempts__lt=limit)
            .exclude(otp_mac="")
        )
        candidates = list(open_codes.order_by("pk"))
        # Check every candidate (no early exit) so timing does not depend on which one matches.
        matches = [link for link in candidates if tokens.otp_matches(link.otp_mac, link.pk, otp)]
        # A person has at most one open link per scope, so this many MACs whatever the address.
        for _ in range(len({admin_scope(kind) for kind in kinds}) - len(candidates)):
            tokens.otp_check_without_link(otp)
        if matches:
            return _consume(matches[0], now, limit)
        # Runs (and matches nothing) even without candidates: the same statement either way.
        open_codes.update(otp_failed_attempts=F("otp_failed_attempts") + 1)
        if candidates:
            events = [_failure_event(candidates[0], RedeemFailure.WRONG_CODE)]
        else:
            details = {"user_id": str(user.pk)} if user is not None else None
            events = [_failure_event(None, RedeemFailure.UNKNOWN, details, user=user)]
        events += [
            build(
                "login_link.otp_disabled",
                actor=Actor.system("otp attempt limit"),
                partner=link.partner_id,
                account=link.account_id,
                user=link.user,
                link=link,
                details={"failed_attempts": limit},
            )
            # The row lock makes the counters read above current: +1 is what is stored now.
            for link in candidates
            if link.otp_failed_attempts + 1 >= limit
        ]
        AuditEvent.objects.bulk_create(events)
    failure = RedeemFailure.WRONG_CODE if candidates else RedeemFailure.UNKNOWN
    return Redemption(link=candidates[0] if candidates else None, failure=failure)
