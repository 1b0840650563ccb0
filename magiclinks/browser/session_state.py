"""What the browser session remembers between signing in and landing: where to go next, and
whether the person may choose a new password without typing the old one, and whose branding the
pages after a partner link keep showing.

Both are set only by the link and reset flows after `login()` (which rotated the session), and
cleared when used.
"""

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Partner

NEXT_URL = "linkgate.next_url"
PASSWORD_METHOD = "linkgate.password_method"
PARTNER = "linkgate.partner_id"


def remember_next(request: HttpRequest, url: str) -> None:
    """`url` has been validated by the caller (a partner's permitted domain) or is ours."""
    if url:
        request.session[NEXT_URL] = url
    else:
        request.session.pop(NEXT_URL, None)


def pop_next(request: HttpRequest) -> str:
    return request.session.pop(NEXT_URL, "") or settings.LOGIN_REDIRECT_URL


def allow_new_password(request: HttpRequest, method: str) -> None:
    """A reset link proves control of the inbox: the next password needs no old one."""
    request.session[PASSWORD_METHOD] = method


def password_method(request: HttpRequest) -> str | None:
    """How the signed-in person may set a password now: `password_reset`, `partner_link` (they
    have none yet), or None (they have one and came by password: not this page's business)."""
    method = request.session.get(PASSWORD_METHOD)
    if method:
        return method
    return None if request.user.has_usable_password() else "partner_link"


def forget_password_method(request: HttpRequest) -> None:
    request.session.pop(PASSWORD_METHOD, None)


def remember_partner(request: HttpRequest, partner_id: int | None) -> None:
    request.session[PARTNER] = partner_id


def partner_of(request: HttpRequest) -> Partner | None:
    """The partner whose link started this session (for its branding), if any."""
    partner_id = request.session.get(PARTNER)
    return Partner.objects.filter(pk=partner_id).first() if partner_id else None
