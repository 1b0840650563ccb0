"""Verify an Admin API link (by its secret, its hashed_token or email + OTP) and sign the user in.

One transaction: the link is consumed (magiclinks.flows.redeem's conditional UPDATE), the
link's side effect is applied (signup/invite confirm the email; recovery/magiclink confirm an
unconfirmed user; email_change moves the user to the link's new address), the user's other open
Admin API links are invalidated (`sibling_redeemed`), and a session is started; or, for a link
that started a PKCE flow and is verified in the browser, an auth code is issued instead
(supabase_api.flows.pkce). If any step refuses, the link stays unused.

The request arrives validated (supabase_api.serializers): a known verification type, and for a
code a normalised address. Refusals are `VerifyFailed` (and `EmailExists` for an email change
whose address was taken meanwhile).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.recorder import record
from magiclinks.flows.issue import invalidate_open_links
from magiclinks.flows.redeem import Redemption, redeem_digest, redeem_otp, redeem_secret
from magiclinks.models import ADMIN_API_KINDS, InvalidationReason, LinkKind, LoginLink, admin_scope
from magiclinks.tokens import parse_digest

from ..sessions import IssuedSession, start_session
from .errors import EmailExists, VerifyFailed
from .pkce import issue_auth_code

# Supabase's verification `type` → the link kinds it redeems. "email" is the newer name for
# the email OTP: upstream accepts with it a confirmation token (signup, invite) or a recovery
# token (magic link, recovery), in internal/api/verify.go (`case mail.EmailOTPVerification:`
# … `models.ConfirmationToken, models.RecoveryToken`).
TYPE_KINDS = {
    "signup": [LinkKind.SIGNUP],
    "invite": [LinkKind.INVITE],
    "magiclink": [LinkKind.MAGICLINK],
    "recovery": [LinkKind.RECOVERY],
    "email_change": [LinkKind.EMAIL_CHANGE_CURRENT, LinkKind.EMAIL_CHANGE_NEW],
    "email": [LinkKind.SIGNUP, LinkKind.INVITE, LinkKind.MAGICLINK, LinkKind.RECOVERY],
}
# The session's "amr" method: upstream starts every session of a verified email link or code
# with `models.OTP`, whatever its type (internal/api/verify.go: `a.issueRefreshToken(r,
# w.Header(), tx, user, models.OTP, grantParams)` in verifyGet and verifyPost alike).
VERIFIED_METHOD = "otp"
ADMIN_SCOPES = sorted({admin_scope(kind) for kind in ADMIN_API_KINDS})


@dataclass(frozen=True)
class Verified:
    """A redeemed link: the session, or for a PKCE link verified in the browser the auth code
    that the app exchanges for it (POST /token?grant_type=pkce)."""

    session: IssuedSession | None
    link: LoginLink
    auth_code: str | None = None


VERIFY_TYPES = tuple(TYPE_KINDS)


def _apply_side_effect(link: LoginLink) -> None:
    # Locked and loaded by the redemption (the lookup's FOR UPDATE OF the person, or
    # redeem_otp's lock before its candidates): no second read.
    user = link.user
    now = timezone.now()
    changed = []
    if link.kind in (LinkKind.EMAIL_CHANGE_CURRENT, LinkKind.EMAIL_CHANGE_NEW):
        # The address may have been taken since the link was issued: refuse, link unused.
        if User.objects.filter(email=link.new_email).exclude(pk=user.pk).exists():
            raise EmailExists()
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
        if link.kind != LinkKind.SIGNUP and user.has_usable_password():
            # Security: a password set before anyone proved this mailbox (POST /signup lets a
            # stranger pick one for an address) must not survive the owner's first sign-in by
            # another link, or the stranger would then sign in with it (pre-account takeover).
            # Confirming the signup link itself is the owner accepting that sign-up.
            user.set_unusable_password()
            changed.append("password")
    if changed:
        fields = ["email", "new_email", "email_change_sent_at"] if "email" in changed else []
        user.save(update_fields=[*fields, *(f for f in changed if f != "email")])


def _complete(redeem: Callable[[], Redemption], *, pkce: bool = False) -> Verified:
    """Redeem, apply the side effect, clear the other links, and start the session; with
    `pkce` (the browser's verification), a link that started a PKCE flow gets its auth code
    instead, and the session starts when the code is exchanged."""
    auth_code = session = None
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
            if pkce:
                auth_code = issue_auth_code(link, method=VERIFIED_METHOD)
            if auth_code is None:
                session = start_session(link.user, method=VERIFIED_METHOD)
    # Raised after the block so the failure's audit event (and OTP counter) are committed.
    if not redemption.ok:
        raise VerifyFailed.of(redemption.failure)
    return Verified(session=session, link=link, auth_code=auth_code)


def verify_secret(secret: object, verify_type: str, *, pkce: bool = False) -> Verified:
    """The link in an action_link (GET/POST /verify?token=…); `verify_type` in VERIFY_TYPES.
    `pkce`: the browser's verification, which answers a PKCE link with its auth code.

    The token may also be the link's `hashed_token`: upstream's action links carry it there,
    and apps build `/verify?token={{ .TokenHash }}` URLs in their email templates. The two
    have different shapes (43 base64url characters, 64 hex), so one never passes for the
    other."""
    kinds = TYPE_KINDS[verify_type]
    if parse_digest(secret) is not None:
        return _complete(lambda: redeem_digest(secret, kinds=kinds), pkce=pkce)
    return _complete(lambda: redeem_secret(secret, kinds=kinds), pkce=pkce)


def verify_token_hash(token_hash: object, verify_type: str) -> Verified:
    """POST /verify {token_hash, type}: the hashed_token generate_link returned."""
    kinds = TYPE_KINDS[verify_type]
    return _complete(lambda: redeem_digest(token_hash, kinds=kinds))


def _person_for_code(address: str, verify_type: str) -> User | None:
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


def verify_email_otp(address: str, otp: object, verify_type: str) -> Verified:
    """POST /verify {email, token, type}: the 6-digit code for `address` (normalised).

    An address without an account goes through the same redeem_otp as a known one (with no
    user), so both cost the same statements and the same MAC work and are answered alike.
    """
    kinds = TYPE_KINDS[verify_type]
    user = _person_for_code(address, verify_type)
    if user is not None and is_protected(user):
        # Security: staff and superusers do not exist for the Admin API (accounts.protection):
        # their address is answered exactly like an unknown one, with the same work.
        user = None
    return _complete(lambda: redeem_otp(user, otp, kinds=kinds))
