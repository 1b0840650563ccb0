"""The signed-in person's account page, and the per-partner brand stylesheet.

The brand colour reaches pages through a stylesheet served from our own origin rather than a
style attribute: the Content-Security-Policy allows no inline styles (style-src 'self'), and the
colour is validated as plain hex by magiclinks.notifications.branding before it is written.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from accounts.models import Membership, Partner
from audit.models import AuditEvent

from ..notifications.branding import brand_for

SIGN_IN_EVENTS = ["login_link.redeemed", "user.signed_in"]
RECENT_SIGN_INS = 10
METHODS = {
    "partner_login": "Sign-in link",
    "recovery": "Password reset link",
    "password": "Password",
}


def _recent_sign_ins(user) -> list[dict]:
    events = AuditEvent.objects.filter(user_id=user.pk, event__in=SIGN_IN_EVENTS).order_by(
        "-occurred_at", "-id"
    )[:RECENT_SIGN_INS]
    return [
        {
            "at": event.occurred_at,
            "method": METHODS.get(
                event.details.get("method") or event.details.get("kind"), "App link"
            ),
            "ip_address": event.ip_address or "unknown",
            "user_agent": event.user_agent,
        }
        for event in events
    ]


@never_cache
@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("account__partner")
        .order_by("account__partner__name", "account_id")
    )
    context = {"memberships": memberships, "sign_ins": _recent_sign_ins(request.user)}
    return render(request, "browser/account.html", context)


@cache_control(max_age=300, public=True)
@require_safe
def brand_css(request: HttpRequest, partner_id: int) -> HttpResponse:
    brand = brand_for(get_object_or_404(Partner, pk=partner_id), {})
    css = f":root {{ --brand: {brand.color}; --on-brand: {brand.text_on_color}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
