""" "Email me a fresh link": the form on the page of a link that no longer works.

Policy (docs/end-users.md explains it to people):
- The person types their email address; it must be the address of the user the old link was for.
  The old link names the account, so the fresh link is for that same user on that same account.
- Nothing is sent when the old link was revoked (somebody withdrew it on purpose: a partner or
  staff member must issue the next one), when it still works, when the user is deactivated,
  banned, staff or superuser (accounts.protection), no longer on the account, the account is
  suspended or the partner is deactivated.
- The fresh link is a *self-service* link (models.self_service_scope): it replaces only earlier
  self-service links of that user on that account, never a link the partner or staff issued
  (which stays usable beside it), and it does not count against the account's hourly allowance
  (the partner's budget). The form is anonymous: whoever knows a client's address can use it, so
  it must not be able to kill the link a partner handed over or lock the partner out. Its own
  limits are per address and per IP (`browser.fresh_link.*` in ratelimits.table).
- A link we cannot find (mistyped, cut short, or purged long after it expired) names no account:
  then the address's own accounts get a fresh link each, the most recently joined first, at most
  MAX_ACCOUNTS_FOR_UNKNOWN_LINK, under the same rules.
- The fresh link has purpose `expired_link`, the old link's lifetime and its redirect_url (checked
  again; dropped if the partner no longer permits it).
Whatever happens, the caller shows the same page: whether an address exists is never revealed.
Every request with a known link or a known address is audited (`login_link.fresh_requested`,
with the outcome); the typed address itself is never stored.
"""

import dataclasses
from dataclasses import dataclass

from accounts.models import Account, Membership, User, normalize_email_address
from accounts.protection import is_protected
from audit.actors import Actor
from audit.models import ActorType
from audit.recorder import record

from ..models import InvalidationReason, LinkKind, LinkPurpose, LinkStatus, LoginLink
from .errors import AccountSuspended, InvalidRedirect, UserNotEligible, UserNotOnAccount
from .partner_link import (
    DEFAULT_EXPIRY_HOURS,
    MAX_EXPIRY_HOURS,
    MIN_EXPIRY_HOURS,
    PartnerLinkOptions,
    generate_partner_link,
)
from .sign_in import find_link

MAX_ACCOUNTS_FOR_UNKNOWN_LINK = 3
SELF_SERVICE = Actor(ActorType.USER, "", "self-service (fresh link form)")


@dataclass(frozen=True)
class Outcome:
    account: Account
    sent: bool
    reason: str = ""


def _lifetime_hours(old: LoginLink | None) -> int:
    if old is None:
        return DEFAULT_EXPIRY_HOURS
    hours = round((old.expires_at - old.created_at).total_seconds() / 3600)
    return min(max(hours, MIN_EXPIRY_HOURS), MAX_EXPIRY_HOURS)


def _refusal(user: User, account: Account) -> str:
    if is_protected(user):
        return "user_protected"
    if not user.is_active or user.is_banned:
        return "user_disabled"
    if account.is_suspended:
        return "account_suspended"
    if not account.partner.is_active:
        return "partner_inactive"
    return ""


def _issue(user: User, account: Account, old: LoginLink | None) -> Outcome:
    """One fresh link for `user` on `account`, or the reason there is none."""
    refusal = _refusal(user, account)
    if refusal:
        return Outcome(account, False, refusal)
    options = PartnerLinkOptions(
        user_email=user.email,
        expiry_hours=_lifetime_hours(old),
        purpose=LinkPurpose.EXPIRED_LINK,
        redirect_url=old.redirect_url if old else None,
    )
    try:
        try:
            generate_partner_link(account, options, actor=SELF_SERVICE, self_service=True)
        except InvalidRedirect:
            # The partner no longer permits the old destination: send the link without it.
            without_redirect = dataclasses.replace(options, redirect_url=None)
            generate_partner_link(account, without_redirect, actor=SELF_SERVICE, self_service=True)
    except AccountSuspended:
        return Outcome(account, False, "account_suspended")
    except UserNotOnAccount:
        return Outcome(account, False, "not_on_account")
    except UserNotEligible:  # made staff between _refusal and the issue
        return Outcome(account, False, "user_protected")
    return Outcome(account, True)


def _for_known_link(old: LoginLink, address: str) -> list[Outcome]:
    if old.user.email != address:
        return [Outcome(old.account, False, "address_mismatch")]
    status = old.status
    if status == LinkStatus.ACTIVE:
        return [Outcome(old.account, False, "link_still_active")]
    if status == LinkStatus.REVOKED or old.invalidation_reason == InvalidationReason.REVOKED:
        return [Outcome(old.account, False, "link_revoked")]
    return [_issue(old.user, old.account, old)]


def _for_unknown_link(address: str) -> tuple[User | None, list[Outcome]]:
    user = User.objects.filter(email=address).first()
    if user is None:
        return None, []
    memberships = (
        Membership.objects.select_related("account__partner")
        .filter(user=user)
        .order_by("-created_at")[:MAX_ACCOUNTS_FOR_UNKNOWN_LINK]
    )
    return user, [_issue(user, membership.account, None) for membership in memberships]


def send_fresh_partner_link(secret: object, email: str) -> list[Outcome]:
    """Apply the policy above; returns what happened (for tests and logs, never for the page)."""
    address = normalize_email_address(email)
    old = find_link(secret, [LinkKind.PARTNER_LOGIN])
    if old is not None:
        user, outcomes = old.user, _for_known_link(old, address)
    else:
        user, outcomes = _for_unknown_link(address)
    for outcome in outcomes:
        record(
            "login_link.fresh_requested",
            actor=SELF_SERVICE,
            partner=outcome.account.partner_id,
            account=outcome.account,
            user=user,
            link=old,
            details={"sent": outcome.sent, "reason": outcome.reason or None},
        )
    return outcomes
