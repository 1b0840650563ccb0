"""The public URL of a link, built from PUBLIC_BASE_URL and the one-time secret.

Paths come from the URLconf (`reverse()`), so a route renamed there cannot leave emailed links
pointing at nothing.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import get_script_prefix, reverse

from .models import LinkKind, LinkPurpose, LoginLink


def verify_type(kind: str) -> str:
    """Supabase's `type` parameter: both email-change kinds verify as `email_change`."""
    return "email_change" if kind.startswith("email_change") else kind


def is_browser_reset(link: LoginLink) -> bool:
    """A recovery link from the browser's "Forgot your password?" form (not the Admin API's):
    it opens the reset page of magiclinks.browser instead of /auth/v1/verify."""
    return link.kind == LinkKind.RECOVERY and link.purpose == LinkPurpose.LOST_CREDENTIALS


def _public_url(viewname: str, **kwargs: str) -> str:
    # PUBLIC_BASE_URL is the whole public origin (with any path prefix the proxy adds), so the
    # script prefix of the current request is not added again: a link built in a request and
    # one built by the Celery worker (no request) are the same string.
    path = reverse(viewname, kwargs=kwargs or None).removeprefix(get_script_prefix())
    return f"{settings.PUBLIC_BASE_URL}/{path}"


def link_url(link: LoginLink, secret: str) -> str:
    """Partner links open the confirmation page; Admin API links go through /auth/v1/verify."""
    if link.kind == LinkKind.PARTNER_LOGIN:
        return _public_url("browser:partner_login", token=secret)
    if is_browser_reset(link):
        return _public_url("browser:reset", token=secret)
    query = {"token": secret, "type": verify_type(link.kind)}
    if link.redirect_url:
        query["redirect_to"] = link.redirect_url
    return f"{_public_url('gotrue:verify')}?{urlencode(query)}"
