"""Admin API links: POST /admin/generate_link, and the same rules for /invite, /otp, /recover.

The user-creation rules follow Supabase Auth's `adminGenerateLink` (supabase/auth
internal/api/mail.go): signup and invite create a missing user, a magic link for an unknown
address becomes a signup, recovery and email-change links need an existing user. The request
arrives validated (a `LinkRequest`, built by supabase_api.serializers); what needs the database
is checked here before anything is written; the user changes, the link and its audit events are
one transaction. No email is sent here (the callers that send one queue it in the same
transaction).

Staff and superusers are out of reach (accounts.protection): a link for their address is refused
as if they did not exist where a link needs an existing user (recovery, email change: 404
user_not_found), and as a taken address where a link could create one (signup, invite, magic
link: 422 email_exists), so that no second row is ever made for the address.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.protection import is_protected
from audit import selects
from audit.actors import Actor
from audit.recorder import record
from magiclinks.flows.issue import IssuedLink, issue_link
from magiclinks.link_urls import link_url
from magiclinks.models import LinkKind

from ..metadata import merge_metadata
from ..passwords import check_password
from .errors import EmailExists, NoUserWithEmail, SignupNeedsPassword
from .pkce import PkceChallenge

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


def default_lifetime() -> timedelta:
    return timedelta(seconds=settings.ADMIN_LINK_DEFAULT_SECONDS)


@dataclass(frozen=True)
class LinkRequest:
    """A validated link request: address normalised, redirect allowed, lifetime in bounds."""

    type: str
    email: str
    password: str | None = None
    new_email: str = ""
    data: dict | None = None
    redirect_to: str = ""
    lifetime: timedelta = timedelta(seconds=3600)
    # A PKCE challenge (emailed links only): verifying the link then yields an auth code.
    pkce: PkceChallenge | None = None


@dataclass(frozen=True)
class GeneratedLink:
    user: Any
    issued: IssuedLink
    verification_type: str
    redirect_to: str

    @property
    def action_link(self) -> str:
        return link_url(self.issued.link, self.issued.secret)


def _refuse_protected(kind: str) -> Exception:
    # Security: a link signs its holder in as the user; for a staff member that would be the
    # Django admin. What a client sees is what it would see for an address it may not touch.
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE, LinkKind.MAGICLINK):
        return EmailExists()
    return NoUserWithEmail()


def _prepare(req: LinkRequest, user: User | None) -> tuple[str, User, bool]:
    """The link kind, the (possibly new, unsaved) user, and whether the user is new."""
    kind = req.type
    if user is not None and is_protected(user):
        raise _refuse_protected(kind)
    if user is None:
        if kind == LinkKind.MAGICLINK:
            kind = LinkKind.SIGNUP  # as Supabase: an unknown address signs up
        elif kind not in (LinkKind.SIGNUP, LinkKind.INVITE):
            raise NoUserWithEmail()
        new_user = User(email=req.email, user_metadata=req.data or {})
        if kind == LinkKind.SIGNUP and req.type == LinkKind.SIGNUP:
            if req.password is None:
                raise SignupNeedsPassword()
            new_user.set_password(check_password(req.password, new_user))
        else:
            # Magic-link signups and invitees choose a password later (Supabase sets a random
            # one; an unusable one is the same without a secret to keep).
            new_user.set_unusable_password()
        return kind, new_user, True
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE) and user.email_confirmed_at is not None:
        raise EmailExists()
    if kind in EMAIL_CHANGE_TYPES and (
        User.objects.filter(email=req.new_email).exclude(pk=user.pk).exists()
    ):
        raise EmailExists()
    return kind, user, False


def _stamp(user: User, kind: str, req: LinkRequest) -> None:
    """The *_sent_at bookkeeping Supabase keeps on the user."""
    now = timezone.now()
    if kind == LinkKind.SIGNUP:
        user.confirmation_sent_at = now
        if req.data:
            user.user_metadata = merge_metadata(user.user_metadata, req.data)
    elif kind == LinkKind.INVITE:
        user.confirmation_sent_at = user.invited_at = now
    elif kind in (LinkKind.MAGICLINK, LinkKind.RECOVERY):
        user.recovery_sent_at = now
    else:
        user.new_email, user.email_change_sent_at = req.new_email, now


def _stamped_fields(kind: str, req: LinkRequest) -> list[str]:
    """The columns _stamp changes for an existing user: only they are written (UPDATE … SET of
    two columns instead of all twenty)."""
    if kind == LinkKind.SIGNUP:
        return ["confirmation_sent_at", "user_metadata"] if req.data else ["confirmation_sent_at"]
    if kind == LinkKind.INVITE:
        return ["confirmation_sent_at", "invited_at"]
    if kind in (LinkKind.MAGICLINK, LinkKind.RECOVERY):
        return ["recovery_sent_at"]
    return ["new_email", "email_change_sent_at"]


@cache
def _locked_user_sql() -> str:
    # Written once per process (audit.selects): cheaper than compiling the ORM query each time.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    table = connection.ops.quote_name(User._meta.db_table)
    return f"SELECT {selects.columns(User, 'u')} FROM {table} u WHERE u.email = %s{lock}"  # noqa: S608


def _locked_user(email: str) -> User | None:
    """The user with this (normalised) address, its row locked for this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_locked_user_sql(), [email])
        found = cursor.fetchone()
    return selects.instances((User,), found)[0] if found else None


def create_link(req: LinkRequest, *, actor: Actor) -> GeneratedLink:
    """Create the user if the rules say so, stamp it, and issue the link (with its OTP)."""
    try:
        with transaction.atomic():
            user = _locked_user(req.email)
            kind, user, is_new = _prepare(req, user)
            _stamp(user, kind, req)
            if is_new:
                user.save(force_insert=True)
                record("user.created", actor=actor, user=user, details={"via": f"link:{kind}"})
            else:
                # No credential or status among these columns (accounts.user_changes has nothing
                # to detect), so a plain UPDATE of them, without the model's save().
                fields = _stamped_fields(kind, req)
                User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})
            issued = issue_link(
                user=user,
                kind=kind,
                actor=actor,
                lifetime=req.lifetime,
                redirect_url=req.redirect_to,
                new_email=req.new_email,
                with_otp=True,
                details={"via": "admin_api"},
                # Locked by the SELECT … FOR UPDATE above (or inserted by this transaction).
                user_locked=True,
            )
    except IntegrityError:  # a concurrent request created the same address first
        raise EmailExists() from None
    return GeneratedLink(
        user=user, issued=issued, verification_type=kind, redirect_to=req.redirect_to
    )
