"""Generate a login link for a user on a partner's account (Partner API, admin button).

API-agnostic: the Partner API calls it with Actor.partner(...), the Django admin's "Generate
login link" with Actor.staff(user), both with a `PartnerLinkOptions` their edge built from
validated input (the API's GenerateLinkSerializer, the admin's forms), so the shape of the input
(expiry bounds, purpose, types) is checked once, there. The flow checks what needs the database.
Order matters:
1. check the account (suspension), the user (on the account, not staff) and the redirect against
   the partner's permitted domains — nothing counted yet;
2. count the per-account limit (10 links/hour by default) — last, so refused requests do not use
   up the allowance, and atomically in the cache, so 30 simultaneous requests issue exactly 10;
3. issue the link (invalidating the user's earlier ones) and queue the email in one transaction
   (without an email: one statement, flows.issue).

A member who became staff or superuser after joining the account gets no link (UserNotEligible):
the browser session a partner link starts is the session the Django admin uses.
"""

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects

from accounts.models import Account, Membership, MembershipRole, User
from accounts.protection import is_protected
from accounts.redirects import validate_partner_redirect
from audit.actors import Actor
from ratelimits import counting as limits

from ..link_urls import link_url
from ..models import LinkKind, LoginLink, NotificationKind
from ..notifications.outbox import queue_link_email
from .errors import AccountSuspended, InvalidRedirect, UserNotEligible, UserNotOnAccount
from .issue import IssuedLink, issue_link

# The lifetime of a partner link in hours: the one place for the bounds and the default (the
# Partner API contract's 1–168, default 168; also the 7-day link a new member gets).
MIN_EXPIRY_HOURS = 1
MAX_EXPIRY_HOURS = 168
DEFAULT_EXPIRY_HOURS = MAX_EXPIRY_HOURS
ACCOUNT_LINK_LIMIT = "partner.account.hour"  # ratelimits.table
DEFAULT_NOTIFICATION_SETTINGS = {"partner_branded": True, "include_instructions": True}


@dataclass(frozen=True)
class PartnerLinkOptions:
    """What the caller asks for, already validated by its edge: `user_email` normalized (None: the
    primary user), `expiry_hours` within MIN..MAX_EXPIRY_HOURS, `purpose` a LinkPurpose or None,
    `notification_settings` the rendering options of the email (merged over the defaults)."""

    user_email: str | None = None
    expiry_hours: int = DEFAULT_EXPIRY_HOURS
    purpose: str | None = None
    redirect_url: str | None = None
    send_notification: bool = True
    notification_settings: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnerLinkResult:
    issued: IssuedLink
    user: User
    url: str
    expiry_hours: int
    notification_queued: bool

    @property
    def link(self) -> LoginLink:
        return self.issued.link

    @property
    def secret(self) -> str:
        return self.issued.secret

    @property
    def invalidated_count(self) -> int:
        return self.issued.invalidated_count


def _target_user(account: Account, wanted: str | None) -> User:
    # The Partner API's account lookup has prefetched them (checked first: asking
    # prefetch_related_objects to find that out costs more than the check).
    if Account.memberships.rel.cache_name not in getattr(account, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [account], Prefetch("memberships", Membership.objects.select_related("user"))
        )
    for membership in account.memberships.all():
        if membership.user.email == wanted if wanted else membership.role == MembershipRole.PRIMARY:
            if is_protected(membership.user):
                # Security: people.py refuses staff when attaching; this covers those who were
                # made staff later (the link would open /admin/ to whoever holds it).
                raise UserNotEligible()
            return membership.user
    raise UserNotOnAccount()


def generate_partner_link(
    account: Account,
    options: PartnerLinkOptions,
    *,
    actor: Actor,
    self_service: bool = False,
    count_first: limits.Deferred | None = None,
) -> PartnerLinkResult:
    """Issue a partner_login link; raises AccountSuspended, UserNotOnAccount, UserNotEligible,
    InvalidRedirect or limits.RateLimitExceeded (and writes nothing then).

    `self_service`: the person asked for it on a dead link's page (flows.fresh_link). It is not
    counted against the account's hourly allowance, which is the partner's budget (the form has
    its own per-address and per-IP limits), and it replaces no link the partner or staff issued.
    `count_first`: the caller's limits, counted before the account's, in the same round trip.
    """
    if account.is_suspended:
        raise AccountSuspended()
    user = _target_user(account, options.user_email)
    partner = account.partner
    safe_redirect = ""
    if options.redirect_url:
        try:
            safe_redirect = validate_partner_redirect(
                options.redirect_url, partner.permitted_domains
            )
        except ValueError as exc:
            raise InvalidRedirect(str(exc)) from exc

    if not self_service:
        # Security: only the partner's (and staff's) own requests spend the partner's allowance;
        # otherwise anybody knowing a client's address could lock the partner out of issuing.
        limits.count(
            *(count_first.take() if count_first else ()),
            limits.Hit(
                ACCOUNT_LINK_LIMIT,
                str(account.pk),
                partner.login_links_per_account_per_hour,
            ),
        )

    # The link and its email's outbox row commit together (a savepoint inside a caller's
    # transaction: a refusal under the lock, or a failing outbox, undoes just these). Without an
    # email there is nothing to commit with the link: outside a transaction, issue_link's one
    # lock-free statement is the whole of it.
    with transaction.atomic() if options.send_notification else nullcontext():
        # Staff may suspend the account while we validated: issue_link re-checks it under the
        # account's row lock.
        issued = issue_link(
            user=user,
            kind=LinkKind.PARTNER_LOGIN,
            actor=actor,
            lifetime=timedelta(hours=options.expiry_hours),
            account=account,
            purpose=options.purpose or "",
            redirect_url=safe_redirect,
            details={"send_notification": options.send_notification},
            self_service=self_service,
            recheck_suspension=True,
        )
        if options.send_notification:
            queue_link_email(
                issued,
                kind=NotificationKind.PARTNER_LOGIN_LINK,
                actor=actor,
                options={**DEFAULT_NOTIFICATION_SETTINGS, **options.notification_settings},
            )
    return PartnerLinkResult(
        issued=issued,
        user=user,
        url=link_url(issued.link, issued.secret),
        expiry_hours=options.expiry_hours,
        notification_queued=options.send_notification,
    )
