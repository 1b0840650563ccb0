"""Signing a person in from the browser: with a partner link, a password-reset link or a password.

Every way in ends in `django.contrib.auth.login()`, which rotates the session key (so a session id
planted before sign-in is worthless) and flushes a session that belonged to somebody else. Link
sign-ins consume the link with `redeem_secret` (one conditional UPDATE), start the session, mark an
`onboarding` account `active` on its first sign-in and write their audit events, all in one
transaction. The audit middleware has already put the request's IP and user agent in context, so
every event here carries them.

Reading a link (`find_link`) is separate and read-only: GET and HEAD use it, so a mail scanner or
link preview that fetches the URL consumes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import login, logout
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Account, AccountStatus, Partner, User, normalize_email_address
from accounts.redirects import validate_partner_redirect
from audit import selects
from audit.actors import Actor
from audit.combined import Change, record_change
from audit.recorder import build, record

from .. import tokens
from ..link_urls import is_browser_reset
from ..models import LinkKind, LoginLink
from .redeem import record_failure, redeem_link

# A failure of ours on top of RedeemFailure: the link is fine but its account is suspended.
ACCOUNT_SUSPENDED = "account_suspended"
MODEL_BACKEND = "accounts.backends.ModelBackend"


@dataclass(frozen=True)
class LinkSignIn:
    """The outcome of confirming a link: the link (None when unknown) and a failure or, on
    success, where the person should go next (a re-validated partner URL or "")."""

    link: LoginLink | None
    failure: str | None = None
    next_url: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None


def find_link(secret: object, kinds: Iterable[str]) -> LoginLink | None:
    """Look a link up by the digest of its secret, changing nothing (for GET and HEAD)."""
    parsed = tokens.parse_secret(secret)
    if parsed is None:
        return None  # malformed: never hashed, never reaches the database
    return (
        LoginLink.objects.select_related("user", "account", "partner")
        .filter(kind__in=list(kinds), token_digest=tokens.digest(parsed))
        .first()
    )


@cache
def _for_update_sql(with_account: bool) -> str:
    # Written once per process (audit.selects): the select_related query of the same shape
    # costs more to compile than to run. Row locks in the engine's order: account, then person.
    quote = connection.ops.quote_name
    link_t, user_t = quote(LoginLink._meta.db_table), quote(User._meta.db_table)
    account_t, partner_t = quote(Account._meta.db_table), quote(Partner._meta.db_table)
    lock = connection.features.has_select_for_update_of  # SQLite: no row locks (IMMEDIATE)
    if with_account:
        return (
            f"SELECT {selects.columns(LoginLink, 'l')}, {selects.columns(User, 'u')},"  # noqa: S608
            f" {selects.columns(Account, 'a')}, {selects.columns(Partner, 'p')}"
            f" FROM {link_t} l JOIN {account_t} a ON a.id = l.account_id"
            f" JOIN {user_t} u ON u.id = l.user_id JOIN {partner_t} p ON p.id = l.partner_id"
            " WHERE l.token_digest = %s AND l.kind = %s" + (" FOR UPDATE OF a, u" if lock else "")
        )
    return (
        f"SELECT {selects.columns(LoginLink, 'l')}, {selects.columns(User, 'u')}"  # noqa: S608
        f" FROM {link_t} l JOIN {user_t} u ON u.id = l.user_id"
        " WHERE l.token_digest = %s AND l.kind = %s" + (" FOR UPDATE OF u" if lock else "")
    )


def find_link_for_update(secret: object, kind: str) -> LoginLink | None:
    """find_link for a POST about to consume the link (one `kind`): in the same statement it
    locks the link's account (partner links) and then its person, the engine's lock order (see
    redeem.LOCK_PERSON); the account's lock also lets a suspension committed meanwhile win."""
    parsed = tokens.parse_secret(secret)
    if parsed is None:
        return None
    with_account = kind == LinkKind.PARTNER_LOGIN
    with connection.cursor() as cursor:
        cursor.execute(_for_update_sql(with_account), [tokens.digest(parsed), kind])
        row = cursor.fetchone()
    if row is None:
        return None
    if with_account:
        link, user, account, partner = selects.instances((LoginLink, User, Account, Partner), row)
        link.account, link.partner = account, partner
    else:
        link, user = selects.instances((LoginLink, User), row)
    link.user = user
    return link


def find_reset_link(secret: object, *, for_update: bool = False) -> LoginLink | None:
    """A browser password-reset link; Admin API recovery links are not ours to show."""
    if for_update:
        link = find_link_for_update(secret, LinkKind.RECOVERY)
    else:
        link = find_link(secret, [LinkKind.RECOVERY])
    return link if link is not None and is_browser_reset(link) else None


def _refuse_suspended(link: LoginLink) -> LinkSignIn:
    record_failure(link, ACCOUNT_SUSPENDED)
    return LinkSignIn(link=link, failure=ACCOUNT_SUSPENDED)


@cache
def _activation_sql() -> str:
    # Written once per process (audit.combined.record_change).
    table = connection.ops.quote_name(Account._meta.db_table)
    return (
        f'UPDATE {table} SET "status" = %s, "activated_at" = %s'  # noqa: S608
        ' WHERE "id" = %s AND "status" = %s'
    )


def _activate(account: Account, user: User) -> None:
    """onboarding → active on the first sign-in; conditional, so it happens (and is audited)
    exactly once even when two members sign in at the same moment."""
    if account.status != AccountStatus.ONBOARDING:
        return  # read under the row lock (find_link_for_update): nothing to do, no statement
    now = selects.param(Account, "activated_at", timezone.now())
    activation = [AccountStatus.ACTIVE, now, account.pk, AccountStatus.ONBOARDING]
    record_change(  # the conditional UPDATE and its event in one statement
        Change(_activation_sql(), activation),
        build(
            "account.activated",
            actor=Actor.user(user),
            partner=account.partner_id,
            account=account,
            user=user,
            details={"first_sign_in_by": user.email},
        ),
    )


def _partner_redirect(link: LoginLink) -> str:
    """The link's redirect_url, checked again now: the partner may have removed the domain since
    the link was issued, and a stale permission must not send anybody there."""
    if not link.redirect_url:
        return ""
    try:
        return validate_partner_redirect(link.redirect_url, link.partner.permitted_domains)
    except ValueError as exc:
        record(
            "login_link.redirect_refused",
            actor=Actor.system("redirect check"),
            partner=link.partner_id,
            account=link.account_id,
            user=link.user,
            link=link,
            details={"reason": str(exc)},
        )
        return ""


def sign_in_with_partner_link(request: HttpRequest, secret: object) -> LinkSignIn:
    """Consume a partner_login link and sign its user in (the POST of the confirmation page)."""
    with transaction.atomic():
        account = None
        # Locks the account and the person: a suspension committed while we redeem must win.
        link = find_link_for_update(secret, LinkKind.PARTNER_LOGIN)
        if link is not None:
            account = link.account
            if account.is_suspended and link.is_active:
                return _refuse_suspended(link)
        # The row fetched above is the one to consume: no second lookup by digest.
        redemption = redeem_link(link, signs_in=True)
        if not redemption.ok:
            return LinkSignIn(link=redemption.link, failure=redemption.failure.value)
        link = redemption.link
        login(request, link.user, backend=MODEL_BACKEND)
        if account is not None:
            _activate(account, link.user)
        return LinkSignIn(link=link, next_url=_partner_redirect(link))


def sign_in_with_reset_link(request: HttpRequest, secret: object) -> LinkSignIn:
    """Consume a browser password-reset link and sign its user in (they then pick a password)."""
    with transaction.atomic():
        # None (unknown, or an Admin API recovery link, which belongs to /auth/v1/verify) is
        # recorded and refused as unknown by redeem_link itself.
        redemption = redeem_link(find_reset_link(secret, for_update=True), signs_in=True)
        if not redemption.ok:
            return LinkSignIn(link=redemption.link, failure=redemption.failure.value)
        login(request, redemption.link.user, backend=MODEL_BACKEND)
        return LinkSignIn(link=redemption.link)


def sign_in_with_password(request: HttpRequest, user: User) -> None:
    """Start the session of a user whose password the form has just checked; audited."""
    with transaction.atomic():
        login(request, user, backend=MODEL_BACKEND)
        record(
            "user.signed_in",
            actor=Actor.user(user),
            user=user,
            details={"method": "password"},
        )


def record_failed_password(email: str) -> None:
    """Audit a wrong password for an existing user (unknown addresses leave no trace: the log
    must not become a list of whatever strangers typed)."""
    user = User.objects.filter(email=normalize_email_address(email)).first()
    if user is not None:
        record(
            "user.sign_in_failed",
            actor=Actor.anonymous(),
            user=user,
            details={"method": "password"},
        )


def sign_out(request: HttpRequest) -> None:
    """End the session (Django deletes it server-side) and audit it."""
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        if user is not None:
            record("user.signed_out", actor=Actor.user(user), user=user)
        logout(request)


__all__ = [
    "ACCOUNT_SUSPENDED",
    "LinkSignIn",
    "find_link",
    "find_link_for_update",
    "find_reset_link",
    "record_failed_password",
    "sign_in_with_partner_link",
    "sign_in_with_password",
    "sign_in_with_reset_link",
    "sign_out",
]
