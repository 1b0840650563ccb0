"""Admin API links that are emailed: POST /invite (admin), POST /otp and POST /recover (public).

Each issues its link through `admin_links.create_link` and queues the email with
`queue_link_email` in the same transaction, so a link exists if and only if its email is queued.
The public endpoints answer the same way whether or not the address has an account: they never
reveal who is registered. Staff and superusers (accounts.protection) get that same answer and
nothing is sent to them. With DISABLE_SIGNUP, /otp creates nobody and answers an unknown address
422 signup_disabled, as Supabase Auth does with GOTRUE_DISABLE_SIGNUP (which does reveal that
the address is unknown: that is upstream's choice and the clients rely on the code).
"""

from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.protection import is_protected
from audit.actors import Actor
from magiclinks.notifications.outbox import queue_link_email

from .admin_links import GeneratedLink, LinkRequest, create_link
from .errors import SignupDisabled
from .pkce import start_flow


def send_link(req: LinkRequest, *, actor: Actor, kind: str | None = None) -> GeneratedLink:
    """Issue the link and queue its email (template `kind`, else the link's type), atomically;
    with a PKCE challenge, the link's flow state too (supabase_api.flows.pkce)."""
    with transaction.atomic():
        generated = create_link(req, actor=actor)
        if req.pkce is not None:
            start_flow(generated.issued.link, req.pkce)
        queue_link_email(generated.issued, kind=kind or generated.verification_type, actor=actor)
    return generated


def invite_user(req: LinkRequest, *, actor: Actor) -> Any:
    """POST /invite: create the user if missing and email them an invite link."""
    return send_link(req, actor=actor, kind="invite").user


def usable(user: User | None) -> bool:
    # Security: a staff member's address gets the answer every address gets, and no link.
    return user is not None and user.is_active and not user.is_banned and not is_protected(user)


def request_magic_link(req: LinkRequest, *, create_user: bool) -> None:
    """POST /otp: a magic link for a known address; a signup link for a new one if allowed."""
    user = User.objects.filter(email=req.email).first()
    if user is None and not create_user:
        return  # same answer as success: existence is not revealed
    if user is None and settings.DISABLE_SIGNUP:
        # Anonymous sign-up is what lets a stranger hold an address before its owner arrives
        # (finding 7); an operator who does not need it turns it off.
        raise SignupDisabled()
    if user is not None and not usable(user):
        return  # banned, deactivated or staff: no link, and no different answer
    actor = Actor.user(user) if user is not None else Actor.anonymous()
    send_link(req, actor=actor)


def request_recovery(req: LinkRequest) -> None:
    """POST /recover: a recovery link for a known, active address; nothing otherwise."""
    user = User.objects.filter(email=req.email).first()
    if not usable(user):
        return
    send_link(req, actor=Actor.user(user))
