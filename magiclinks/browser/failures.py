"""Why a link did not work, in plain words, and the HTTP status that goes with it.

410 Gone for a link that existed but no longer works, 404 for one we do not know, 403 when the
link is fine but the person or account may not sign in. `fresh_link` says whether the page
offers "email me a fresh link" (magiclinks.flows.fresh_link holds the policy behind it).
"""

from dataclasses import dataclass

from accounts.protection import is_protected

from ..flows.redeem import RedeemFailure
from ..flows.sign_in import ACCOUNT_SUSPENDED
from ..models import InvalidationReason, LinkStatus, LoginLink


@dataclass(frozen=True)
class Failure:
    code: str
    status: int
    title: str
    explanation: str
    fresh_link: bool


_FAILURES = {
    "expired": Failure(
        "expired",
        410,
        "This link has expired",
        "Links only work for a limited time, and this one has run out.",
        True,
    ),
    "used": Failure(
        "used",
        410,
        "This link has already been used",
        "Each link works once, and this one has been used. If that was you, you may "
        "already be signed in; otherwise you can sign in with your password.",
        True,
    ),
    "replaced": Failure(
        "replaced",
        410,
        "This link was replaced by a newer one",
        "A newer link was sent to you after this one, and only the newest link works. "
        "Look for the most recent email, or ask for a fresh link below.",
        True,
    ),
    "invalidated": Failure(
        "invalidated",
        410,
        "This link is no longer valid",
        "This link was cancelled for your security (for example because your password or email "
        "address changed).",
        True,
    ),
    "revoked": Failure(
        "revoked",
        410,
        "This link was withdrawn",
        "The link was cancelled on purpose by the service that sent it, so we cannot send a "
        "replacement ourselves. Please contact them for a new one.",
        False,
    ),
    "unknown": Failure(
        "unknown",
        404,
        "We don't recognise this link",
        "The link may be incomplete: some email programs break long links. Copy the whole address "
        "from the email into your browser, or ask for a fresh link below.",
        True,
    ),
    ACCOUNT_SUSPENDED: Failure(
        ACCOUNT_SUSPENDED,
        403,
        "This account is suspended",
        "Signing in to this account is paused. Please contact the service that sent the link.",
        False,
    ),
    "disabled": Failure(
        "disabled",
        403,
        "Sign-in is not available",
        "This sign-in has been disabled. Please contact the service that sent the link.",
        False,
    ),
}


# A staff member's or superuser's link (accounts.protection) gets the page of a disabled
# sign-in: whoever holds the link learns nothing about who the person is.
_FAILURES[RedeemFailure.PROTECTED.value] = _FAILURES["disabled"]


def failure_for(code: str, link: LoginLink | None) -> Failure:
    """The page for a redemption failure `code` (a RedeemFailure value or ACCOUNT_SUSPENDED)."""
    superseded = link is not None and link.invalidation_reason == InvalidationReason.SUPERSEDED
    if code == RedeemFailure.INVALIDATED and superseded:
        return _FAILURES["replaced"]
    return _FAILURES.get(code, _FAILURES["unknown"])


def failure_of_link(link: LoginLink | None) -> Failure | None:
    """What a GET shows for `link` (read-only): None while the link still works."""
    if link is None:
        return _FAILURES["unknown"]
    status = link.status
    if status == LinkStatus.ACTIVE:
        if is_protected(link.user) or not link.user.is_active or link.user.is_banned:
            return _FAILURES["disabled"]
        if link.account is not None and link.account.is_suspended:
            return _FAILURES[ACCOUNT_SUSPENDED]
        return None
    return failure_for(
        {
            LinkStatus.EXPIRED: RedeemFailure.EXPIRED,
            LinkStatus.USED: RedeemFailure.USED,
            LinkStatus.INVALIDATED: RedeemFailure.INVALIDATED,
            LinkStatus.REVOKED: RedeemFailure.REVOKED,
        }[status],
        link,
    )
