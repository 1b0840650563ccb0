"""Turning an outbox row (plus its unsealed link URL and code) into subject, text and HTML.

Templates live in templates/emails/<kind>.{txt,html} and extend emails/base.{txt,html}. The link's
URL and code are passed in by the caller and never stored anywhere by this module.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timeuntil

from accounts.models import Membership, MembershipRole

from ..link_urls import verify_type
from ..models import LinkKind, LoginLink, Notification, NotificationKind
from .branding import Brand, brand_for

# Emails about a partner's account; the others belong to the Supabase-compatible Admin API.
PARTNER_KINDS = {
    NotificationKind.PARTNER_LOGIN_LINK,
    NotificationKind.ACCOUNT_CREATED,
    NotificationKind.USER_ADDED,
}

SUBJECTS = {
    NotificationKind.PARTNER_LOGIN_LINK: "Your login link for {brand}",
    NotificationKind.ACCOUNT_CREATED: "Your {brand} account is ready",
    NotificationKind.USER_ADDED: "You have been given access to a {brand} account",
    NotificationKind.SIGNUP: "Confirm your email address for {brand}",
    NotificationKind.INVITE: "You have been invited to {brand}",
    NotificationKind.MAGICLINK: "Your {brand} sign-in link",
    NotificationKind.RECOVERY: "Reset your {brand} password",
    NotificationKind.EMAIL_CHANGE: "Confirm your new email address for {brand}",
    NotificationKind.REAUTHENTICATION: "Your {brand} confirmation code",
}
SPOUSE_SUBJECT = "You have been invited to share a {brand} account"
CUSTOM_MESSAGE_MAX = 2000


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    from_email: str
    reply_to: list[str]


def _one_line(text: str) -> str:
    # Header values must not contain line breaks (header injection); collapse all whitespace.
    return " ".join(str(text).split())


def _role(account_id: int | None, user: Any) -> str:
    if account_id is None or user is None:
        return ""
    role = (
        Membership.objects.filter(account_id=account_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def subject_for(kind: str, *, link: LoginLink, options: dict) -> str:
    """The subject stored on the row: the caller's custom_subject, else the kind's default."""
    custom = _one_line(options.get("custom_subject") or "")
    if custom:
        return custom[:255]
    brand = brand_for(link.partner, options)
    template = SUBJECTS[NotificationKind(kind)]
    if kind == NotificationKind.USER_ADDED and _role(link.account_id, link.user) == "spouse":
        template = SPOUSE_SUBJECT
    return _one_line(template.format(brand=brand.name))[:255]


def expires_in_words(expires_at: datetime, now: datetime) -> str:
    """ "1 week", "23 hours, 59 minutes": the time left, rounded up to the minute."""
    minutes_left = max(0, math.ceil((expires_at - now).total_seconds() / 60))
    words = timeuntil(expires_at, now=expires_at - timedelta(minutes=minutes_left), depth=2)
    return words.replace("\xa0", " ")  # plain spaces: keeps the text part ASCII


def _inviter(account_id: int | None, user: Any) -> str:
    """The primary member's name, for "X added you to their account"."""
    if account_id is None:
        return ""
    primary = (
        Membership.objects.filter(account_id=account_id, role=MembershipRole.PRIMARY)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    return primary.user.get_full_name() if primary else ""


def _sender(brand: Brand) -> tuple[str, list[str]]:
    """From: keeps our address (SPF/DKIM) but shows the partner's name; replies go to support."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = _one_line(brand.name) if brand.is_partner else default_name
    reply_to = [brand.support_email] if brand.support_email else []
    return formataddr((name, address)), reply_to


def context_for(
    notification: Notification,
    *,
    url: str,
    otp: str | None,
    now: datetime,
    token_hash: str | None = None,
) -> dict:
    options = notification.options or {}
    link = notification.link
    admin_api = notification.kind not in PARTNER_KINDS
    brand = brand_for(notification.partner, options)
    user = notification.user
    return {
        "kind": notification.kind,
        "subject": notification.subject,
        "brand": brand,
        "first_name": getattr(user, "first_name", ""),
        "recipient": notification.recipient,
        "url": url,
        # Only Admin API mail carries the 6-digit code; partner links have none.
        "otp": otp if admin_api else None,
        # Supabase's {{ .TokenHash }}, {{ .SiteURL }} and {{ .RedirectTo }}, for templates that
        # link to the app's own /auth/confirm?token_hash=…&type=… page (the server-side
        # pattern of @supabase/ssr) instead of the action link (docs/admin-api.md).
        "token_hash": token_hash if admin_api else None,
        "site_url": settings.SITE_URL if admin_api else None,
        "redirect_to": (link.redirect_url or settings.SITE_URL) if admin_api else None,
        "verify_type": verify_type(link.kind) if admin_api else None,
        "expires_in": expires_in_words(link.expires_at, now),
        "expires_at": link.expires_at,
        "custom_message": str(options.get("custom_message") or "")[:CUSTOM_MESSAGE_MAX].strip(),
        "include_instructions": bool(options.get("include_instructions", True)),
        "role": _role(notification.account_id, user),
        "inviter": _inviter(notification.account_id, user),
        "current_email": getattr(user, "email", ""),
        "new_email": link.new_email,
        "to_new_address": link.kind == LinkKind.EMAIL_CHANGE_NEW,
    }


def render(
    notification: Notification,
    *,
    url: str,
    otp: str | None,
    now: datetime | None = None,
    token_hash: str | None = None,
) -> RenderedEmail:
    """Render the row's email. `url`, `otp` and `token_hash` come from the sealed secret; never
    store them."""
    context = context_for(
        notification, url=url, otp=otp, now=now or timezone.now(), token_hash=token_hash
    )
    base = f"emails/{notification.kind}"
    from_email, reply_to = _sender(context["brand"])
    return RenderedEmail(
        subject=_one_line(notification.subject),
        text=render_to_string(f"{base}.txt", context).strip() + "\n",
        html=render_to_string(f"{base}.html", context),
        from_email=from_email,
        reply_to=reply_to,
    )
