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
from accounts.protection import is_protected, protected_sql
from audit import selects
from audit.actors import Actor
from audit.recorder import record
from magiclinks.flows.issue import (
    PERSON_ROW,
    IssuedLink,
    PersonByAddress,
    issue_link,
    issue_link_for_address,
    lock_free_possible,
)
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


def _stamps(kind: str, req: LinkRequest) -> dict[str, object]:
    """The *_sent_at bookkeeping Supabase keeps on the user, as column values (a signup's
    metadata is merged separately: it needs the stored value)."""
    now = timezone.now()
    if kind == LinkKind.SIGNUP:
        return {"confirmation_sent_at": now}
    if kind == LinkKind.INVITE:
        return {"confirmation_sent_at": now, "invited_at": now}
    if kind in (LinkKind.MAGICLINK, LinkKind.RECOVERY):
        return {"recovery_sent_at": now}
    return {"new_email": req.new_email, "email_change_sent_at": now}


@cache
def _stamping_sql(stamped: tuple[str, ...]) -> str:
    # Written once per process (audit.selects): cheaper than compiling the ORM's queries. The
    # UPDATE locks the row for this transaction as SELECT … FOR UPDATE would (the engine's lock
    # on the person, magiclinks.flows.issue), and stamps it in the same statement.
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in stamped)
    return (
        f"UPDATE {quote(User._meta.db_table)} SET {assignments}"  # noqa: S608
        f' WHERE "email" = %s RETURNING {selects.columns(User, None)}'
    )


def _stamped_user(req: LinkRequest) -> User | None:
    """The user with this (normalised) address, locked and stamped in one statement, or None.
    Stamping before the checks is safe: a refusal raises out of the transaction, which undoes
    it."""
    stamps = _stamps(req.type, req)  # an existing user's link is of the requested kind
    params = [selects.param(User, column, value) for column, value in stamps.items()]
    with connection.cursor() as cursor:
        cursor.execute(_stamping_sql(tuple(stamps)), [*params, req.email])
        found = cursor.fetchone()
    if found is None:
        return None
    user = selects.instances((User,), found)[0]
    if req.type == LinkKind.SIGNUP and req.data:
        user.user_metadata = merge_metadata(user.user_metadata, req.data)
        User.objects.filter(pk=user.pk).update(user_metadata=user.user_metadata)
    return user


def _link(req: LinkRequest, kind: str, actor: Actor) -> dict[str, Any]:
    """What the engine gets for this request's link, either way it is made (but the user: the
    lock-free statement finds it itself)."""
    return {
        "kind": kind,
        "actor": actor,
        "lifetime": req.lifetime,
        "redirect_url": req.redirect_to,
        "new_email": req.new_email,
        "with_otp": True,
        "details": {"via": "admin_api"},
    }


@cache
def _eligible_sql(kind: str) -> str:
    """_prepare's refusals of an existing user, as SQL over the user's row (PERSON_ROW), for
    the lock-free statement: a user who fails them gets no link from it, and the locked flow
    then raises the refusal _prepare names. Each rule is in both places; the tests of this
    module's lock-free path perform every refusal against both (a rule missing here would
    issue what _prepare refuses)."""
    quote, row = connection.ops.quote_name, PERSON_ROW
    rules = [f"NOT {protected_sql(row)}"]
    if kind in (LinkKind.SIGNUP, LinkKind.INVITE):
        rules.append(f'{row}."email_confirmed_at" IS NULL')
    if kind in EMAIL_CHANGE_TYPES:  # the new address is nobody else's (one parameter)
        table = quote(User._meta.db_table)
        rules.append(
            f"NOT EXISTS (SELECT FROM {table} other"
            f' WHERE other."email" = %s AND other."id" <> {row}."id")'
        )
    return " AND ".join(rules)


def _lock_free_link(req: LinkRequest, *, actor: Actor) -> GeneratedLink | None:
    """The link for an existing user in one statement outside any transaction, which finds the
    user by address, checks _prepare's rules on the row (_eligible_sql), stamps it and writes
    the link (magiclinks.flows.issue.issue_link_for_address); None when that could not be: no
    such user (to create, or to refuse), a refusal, a signup's metadata to merge, or a row that
    changed (the caller then does it the locked way, checking again and saying why)."""
    if not lock_free_possible():
        return None
    if req.type == LinkKind.SIGNUP and req.data:
        return None  # the metadata merge needs the stored value, under the lock
    kind = req.type  # an existing user's link is of the requested kind
    person = PersonByAddress(
        email=req.email,
        stamps=_stamps(kind, req),
        condition=_eligible_sql(kind),
        condition_params=(req.new_email,) if kind in EMAIL_CHANGE_TYPES else (),
    )
    found = issue_link_for_address(person, **_link(req, kind, actor))
    if found is None:
        return None
    issued, user = found
    return GeneratedLink(
        user=user, issued=issued, verification_type=kind, redirect_to=req.redirect_to
    )


def create_link(req: LinkRequest, *, actor: Actor) -> GeneratedLink:
    """Create the user if the rules say so, stamp it, and issue the link (with its OTP): in one
    lock-free statement when it can be (_lock_free_link), else in one transaction."""
    generated = _lock_free_link(req, actor=actor)
    if generated is not None:
        return generated
    try:
        with transaction.atomic():
            # No credential or status among the stamped columns (accounts.user_changes has
            # nothing to detect), so a plain UPDATE of them, without the model's save().
            user = _stamped_user(req)
            kind, user, is_new = _prepare(req, user)
            if is_new:
                for column, value in _stamps(kind, req).items():
                    setattr(user, column, value)
                user.save(force_insert=True)
                record("user.created", actor=actor, user=user, details={"via": f"link:{kind}"})
            # Locked by the stamping UPDATE above (or inserted by this transaction).
            issued = issue_link(user=user, **_link(req, kind, actor), user_locked=True)
    except IntegrityError:  # a concurrent request created the same address first
        raise EmailExists() from None
    return GeneratedLink(
        user=user, issued=issued, verification_type=kind, redirect_to=req.redirect_to
    )
