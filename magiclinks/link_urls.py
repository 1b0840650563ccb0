"""The public URL of a link, built from PUBLIC_BASE_URL and the one-time secret."""

from urllib.parse import urlencode

from django.conf import settings

from .models import LinkKind, LinkPurpose, LoginLink


def verify_type(kind: str) -> str:
    """Supabase's `type` parameter: both email-change kinds verify as `email_change`."""
    return "email_change" if kind.startswith("email_change") else kind


def is_browser_reset(link: LoginLink) -> bool:
    """A recovery link from the browser's "Forgot your password?" form (not the Admin API's):
    it opens the reset page of magiclinks.browser instead of /auth/v1/verify."""
    return link.kind == LinkKind.RECOVERY and link.purpose == LinkPurpose.LOST_CREDENTIALS


def link_url(link: LoginLink, secret: str) -> str:
    """Partner links open the confirmation page; Admin API links go through /auth/v1/verify."""
    base = settings.PUBLIC_BASE_URL
    if link.kind == LinkKind.PARTNER_LOGIN:
        return f"{base}/auth/partner-login/{secret}"
    if is_browser_reset(link):
        return f"{base}/auth/password/reset/{secret}"
    query = {"token": secret, "type": verify_type(link.kind)}
    if link.redirect_url:
        query["redirect_to"] = link.redirect_url
    return f"{base}/auth/v1/verify?{urlencode(query)}"
