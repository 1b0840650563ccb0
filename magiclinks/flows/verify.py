"""Verify an Admin API link (by its secret, its hashed_token or email + OTP) and sign the user in.

One transaction: the link is consumed (magiclinks.flows.redeem's conditional UPDATE), the
link's side effect is applied (signup/invite confirm the email; recovery/magiclink confirm an
unconfirmed user; email_change moves the user to the link's new address), the user's other open
Admin API links are invalidated (`sibling_redeemed`), and a session is started. If any step
refuses, the link stays unused.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.gotrue.emails import parse_email
from accounts.gotrue.errors import GoTrueError, validation_failed
from accounts.gotrue.sessions import IssuedSession, start_session
from accounts.gotrue.users import email_exists
from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.recorder import record

from ..models import ADMIN_API_KINDS, InvalidationReason, LinkKind, LoginLink, admin_scope
from .issue import invalidate_open_links
from .redeem import RedeemFailure, Redemption, redeem_digest, redeem_otp, redeem_secret

# Supabase's verification `type` → the link kinds it redeems. "email" is the newer name for
# the email OTP of a signup, invite or magic link.
TYPE_KINDS = {
    "signup": [LinkKind.SIGNUP],
    "invite": [LinkKind.INVITE],
    "magiclink": [LinkKind.MAGICLINK],
    "recovery": [LinkKind.RECOVERY],
    "email_change": [LinkKind.EMAIL_CHANGE_CURRENT, LinkKind.EMAIL_CHANGE_NEW],
    "email": [LinkKind.SIGNUP, LinkKind.INVITE, LinkKind.MAGICLINK],
}
# The session's "amr" method for each kind of link.
_METHODS = {
    LinkKind.SIGNUP: "otp",
    LinkKind.INVITE: "invite",
    LinkKind.MAGICLINK: "magiclink",
    LinkKind.RECOVERY: "recovery",
    LinkKind.EMAIL_CHANGE_CURRENT: "email_change",
    LinkKind.EMAIL_CHANGE_NEW: "email_change",
}
ADMIN_SCOPES = sorted({admin_scope(kind) for kind in ADMIN_API_KINDS})


@dataclass(frozen=True)
class Verified:
    session: IssuedSession
    link: LoginLink


class VerifyFailed(GoTrueError):
    """A link or code that cannot be used; `reason` is the redeem failure (for the audit)."""

    def __init__(self, failure: RedeemFailure | None) -> None:
        if failure == RedeemFailure.DISABLED:
            super().__init__(403, "user_banned", "User is banned")
        else:
            # One answer for unknown, used, expired, invalidated, wrong and protected (a staff
            # member's link): nothing to learn.
            super().__init__(403, "otp_expired", "Token has expired or is invalid")
        self.failure = failure


def kinds_for(verify_type: object) -> list[str]:
    if not isinstance(verify_type, str) or verify_type not in TYPE_KINDS:
        raise validation_failed(f"Unsupported verification type (one of {', '.join(TYPE_KINDS)})")
    return TYPE_KINDS[verify_type]


def _apply_side_effect(link: LoginLink) -> None:
    user = User.objects.select_for_update().get(pk=link.user_id)
    now = timezone.now()
    changed = []
    if link.kind in (LinkKind.EMAIL_CHANGE_CURRENT, LinkKind.EMAIL_CHANGE_NEW):
        # The address may have been taken since the link was issued: refuse, link unused.
        if User.objects.filter(email=link.new_email).exclude(pk=user.pk).exists():
            raise email_exists()
        old_email = user.email
        user.email, user.new_email, user.email_change_sent_at = link.new_email, "", None
        changed.append("email")
        record(
            "user.email_changed",
            actor=Actor.user(user),
            user=user,
            link=link,
            details={"from": old_email, "to": user.email},
        )
    if user.email_confirmed_at is None:
        # Every Admin API link proves the person reads this mailbox.
        user.email_confirmed_at = now
        changed.append("email_confirmed_at")
        record("user.email_confirmed", actor=Actor.user(user), user=user, link=link)
    if changed:
        user.save()
    link.user = user


def _complete(redeem: Callable[[], Redemption]) -> Verified:
    with transaction.atomic():
        redemption = redeem()
        if redemption.ok:
            link = redemption.link
            _apply_side_effect(link)
            invalidate_open_links(
                user=link.user,
                actor=Actor.user(link.user),
                reason=InvalidationReason.SIBLING_REDEEMED,
                scopes=ADMIN_SCOPES,
                exclude=link,
            )
            session = start_session(link.user, method=_METHODS[link.kind])
    # Raised after the block so the failure's audit event (and OTP counter) are committed.
    if not redemption.ok:
        raise VerifyFailed(redemption.failure)
    return Verified(session=session, link=link)


def verify_secret(secret: object, verify_type: object) -> Verified:
    """The link in an action_link (GET/POST /verify?token=…)."""
    kinds = kinds_for(verify_type)
    return _complete(lambda: redeem_secret(secret, kinds=kinds))


def verify_token_hash(token_hash: object, verify_type: object) -> Verified:
    """POST /verify {token_hash, type}: the hashed_token generate_link returned."""
    kinds = kinds_for(verify_type)
    return _complete(lambda: redeem_digest(token_hash, kinds=kinds))


def _person_for_code(address: str, verify_type: object) -> User | None:
    """The user a code is entered for: one query, whatever the answer (timing, issue 11 item 8).

    email_change_new codes are entered with the new address (as with Supabase): for that type a
    user whose own address matches comes first, then one with a pending change to it.
    """
    if verify_type != "email_change":
        return User.objects.filter(email=address).first()
    return (
        User.objects.filter(Q(email=address) | Q(new_email=address))
        .order_by(Case(When(email=address, then=Value(0)), default=Value(1)), "pk")
        .first()
    )


def verify_email_otp(email: object, otp: object, verify_type: object) -> Verified:
    """POST /verify {email, token, type}: the 6-digit code.

    An address without an account goes through the same redeem_otp as a known one (with no
    user), so both cost the same statements and the same MAC work and are answered alike.
    """
    kinds = kinds_for(verify_type)
    user = _person_for_code(parse_email(email), verify_type)
    if user is not None and is_protected(user):
        # Security: staff and superusers do not exist for the Admin API (accounts.protection):
        # their address is answered exactly like an unknown one, with the same work.
        user = None
    return _complete(lambda: redeem_otp(user, otp, kinds=kinds))
