"""Admin API links: POST /admin/generate_link, and the same rules for /invite, /otp, /recover.

The user-creation rules follow Supabase Auth's `adminGenerateLink` (supabase/auth
internal/api/mail.go): signup and invite create a missing user, a magic link for an unknown
address becomes a signup, recovery and email-change links need an existing user. Everything is
validated before anything is written; the user changes, the link and its audit events are one
transaction. No email is sent here (the callers that send one queue it in the same transaction).

Staff and superusers are out of reach (accounts.protection): a link for their address is refused
as if they did not exist where a link needs an existing user (recovery, email change: 404
user_not_found), and as a taken address where a link could create one (signup, invite, magic
link: 422 email_exists), so that no second row is ever made for the address.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.gotrue.emails import parse_email
from accounts.gotrue.errors import GoTrueError, validation_failed
from accounts.gotrue.passwords import check_password
from accounts.gotrue.users import email_exists, merge_metadata
from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from audit.recorder import record

from ..link_urls import link_url
from ..models import LinkKind
from ..redirect_rules import validate_redirect
from .issue import IssuedLink, issue_link

LINK_TYPES = (
    LinkKind.SIGNUP,
    LinkKind.INVITE,
    LinkKind.MAGICLINK,
    LinkKind.RECOVERY,
    LinkKind.EMAIL_CHANGE_CURRENT,
    LinkKind.EMAIL_CHANGE_NEW,
)
EMAIL_CHANGE_TYPES = (LinkKind.EMAIL_CHANGE_CURRENT, LinkKind.EMAIL_CHANGE_NEW)
# Bounds of a per-request `expires_in`: long enough to read an email, short enough that a
# forgotten link does not stay usable for weeks.
MIN_EXPIRES_IN = 60
MAX_EXPIRES_IN = 7 * 24 * 3600


@dataclass(frozen=True)
class LinkRequest:
    """A validated generate_link request."""

    type: str
    email: str
    password: str | None = None
    new_email: str = ""
    data: dict | None = None
    redirect_to: str = ""
    lifetime: timedelta = timedelta(seconds=3600)


@dataclass(frozen=True)
class GeneratedLink:
    user: Any
    issued: IssuedLink
    verification_type: str
    redirect_to: str

    @property
    def action_link(self) -> str:
        return link_url(self.issued.link, self.issued.secret)


def parse_lifetime(raw: object) -> timedelta:
    if raw is None:
        return timedelta(seconds=settings.ADMIN_LINK_DEFAULT_SECONDS)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise validation_failed("expires_in must be an integer number of seconds")
    if not MIN_EXPIRES_IN <= raw <= MAX_EXPIRES_IN:
        raise validation_failed(
            f"expires_in must be between {MIN_EXPIRES_IN} and {MAX_EXPIRES_IN} seconds"
        )
    return timedelta(seconds=raw)


def parse_data(raw: object) -> dict | None:
    if raw is not None and not isinstance(raw, dict):
        raise validation_failed("data must be a JSON object")
    return raw


def parse_link_request(body: dict, redirect_to: object) -> LinkRequest:
    """Validate in Supabase's order: the email first (required, valid, ≤ 255), then the type,
    then the rest. `redirect_to` is the raw requested redirect (checked against the allow-list).
    """
    email = parse_email(body.get("email"))
    link_type = body.get("type")
    if link_type not in LINK_TYPES:
        raise validation_failed(
            f"Invalid email action link type requested: {str(link_type)[:40]} "
            f"(one of {', '.join(LINK_TYPES)})"
        )
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise validation_failed("password must be a string")
    new_email = ""
    if link_type in EMAIL_CHANGE_TYPES:
        new_email = parse_email(body.get("new_email"), field="new_email")
        if new_email == email:
            raise validation_failed("new_email is the user's current address")
    return LinkRequest(
        type=link_type,
        email=email,
        password=password or None,
        new_email=new_email,
        data=parse_data(body.get("data")),
        redirect_to=validate_redirect(redirect_to),
        lifetime=parse_lifetime(body.get("expires_in")),
    )


def _user_not_found() -> GoTrueError:
    return GoTrueError(404, "user_not_found", "User with this email not found")


def _refuse_protected(kind: str) -> GoTrueError:
    # Security: a link signs its holder in as the user; for a staff member that would be the
    # Django admin. What a client sees is what it would see for an address it may not touch.
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE, LinkKind.MAGICLINK):
        return email_exists()
    return _user_not_found()


def _prepare(req: LinkRequest, user: User | None) -> tuple[str, User, bool]:
    """The link kind, the (possibly new, unsaved) user, and whether the user is new."""
    kind = req.type
    if user is not None and is_protected(user):
        raise _refuse_protected(kind)
    if user is None:
        if kind == LinkKind.MAGICLINK:
            kind = LinkKind.SIGNUP  # as Supabase: an unknown address signs up
        elif kind not in (LinkKind.SIGNUP, LinkKind.INVITE):
            raise _user_not_found()
        new_user = User(email=req.email, user_metadata=req.data or {})
        if kind == LinkKind.SIGNUP and req.type == LinkKind.SIGNUP:
            if req.password is None:
                raise validation_failed("Signup requires a valid password")
            new_user.set_password(check_password(req.password, new_user))
        else:
            # Magic-link signups and invitees choose a password later (Supabase sets a random
            # one; an unusable one is the same without a secret to keep).
            new_user.set_unusable_password()
        return kind, new_user, True
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE) and user.email_confirmed_at is not None:
        raise email_exists()
    if kind in EMAIL_CHANGE_TYPES and (
        User.objects.filter(email=req.new_email).exclude(pk=user.pk).exists()
    ):
        raise email_exists()
    return kind, user, False


def _stamp(user: User, kind: str, req: LinkRequest) -> None:
    """The *_sent_at bookkeeping Supabase keeps on the user."""
    now = timezone.now()
    if kind == LinkKind.SIGNUP:
        user.confirmation_sent_at = now
        if req.data:
            user.user_metadata = merge_metadata(user.user_metadata, req.data, "data")
    elif kind == LinkKind.INVITE:
        user.confirmation_sent_at = user.invited_at = now
    elif kind in (LinkKind.MAGICLINK, LinkKind.RECOVERY):
        user.recovery_sent_at = now
    else:
        user.new_email, user.email_change_sent_at = req.new_email, now


def create_link(req: LinkRequest, *, actor: Actor) -> GeneratedLink:
    """Create the user if the rules say so, stamp it, and issue the link (with its OTP)."""
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(email=req.email).first()
            kind, user, is_new = _prepare(req, user)
            _stamp(user, kind, req)
            user.save(force_insert=is_new)
            if is_new:
                record("user.created", actor=actor, user=user, details={"via": f"link:{kind}"})
            issued = issue_link(
                user=user,
                kind=kind,
                actor=actor,
                lifetime=req.lifetime,
                redirect_url=req.redirect_to,
                new_email=req.new_email,
                with_otp=True,
                details={"via": "admin_api"},
            )
    except IntegrityError:  # a concurrent request created the same address first
        raise email_exists() from None
    return GeneratedLink(
        user=user, issued=issued, verification_type=kind, redirect_to=req.redirect_to
    )
