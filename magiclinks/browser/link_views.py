"""The partner login link in the browser: confirm page (GET/HEAD), sign-in (POST), and the
"email me a fresh link" form of a link that no longer works.

GET and HEAD only read the link: mail scanners and link previews fetch URLs, and must not use
up the person's one sign-in. The POST needs the CSRF token the GET page carries, so a
cross-site form cannot sign somebody in with an attacker's link (login CSRF).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ratelimits.counting import Hit, count, count_after, ip_of

from ..flows.fresh_link import send_fresh_partner_link
from ..flows.sign_in import find_link, sign_in_with_partner_link
from ..models import LinkKind
from .failures import failure_for, failure_of_link
from .forms import EmailForm
from .headers import token_page
from .rate_limited import address_of, limited
from .responses import after_sign_in, brand_of, failure_page
from .session_state import remember_next, remember_partner

PARTNER = [LinkKind.PARTNER_LOGIN]


def _fresh_action(token: str) -> str:
    return reverse("browser:fresh_link", args=[token])


@token_page
@limited
@require_http_methods(["GET", "HEAD", "POST"])
def partner_login(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        count(Hit("browser.link_confirm.ip", ip_of(request)))
        result = sign_in_with_partner_link(request, token)
        if not result.ok:
            failure = failure_for(result.failure, result.link)
            return failure_page(request, failure, result.link, fresh_action=_fresh_action(token))
        remember_next(request, result.next_url)
        remember_partner(request, result.link.partner_id)
        return after_sign_in(request)

    link = find_link(token, PARTNER)
    failure = failure_of_link(link)
    if failure is not None:
        return failure_page(request, failure, link, fresh_action=_fresh_action(token))
    context = {"link": link, "brand": brand_of(link), "partner": link.partner}
    return render(request, "browser/partner_login.html", context)


@token_page
@limited
@require_POST
def fresh_link(request: HttpRequest, token: str) -> HttpResponse:
    form = EmailForm(request.POST)
    valid = count_after(
        form.is_valid,
        [Hit("browser.fresh_link.ip", ip_of(request))],
        lambda valid: [Hit("browser.fresh_link.address", address_of(form))] if valid else [],
    )
    if not valid:
        link = find_link(token, PARTNER)
        failure = failure_of_link(link) or failure_for("unknown", None)
        return failure_page(
            request, failure, link, fresh_action=_fresh_action(token), form=form, status=400
        )
    email = form.cleaned_data["email"]
    send_fresh_partner_link(token, email)
    # The same page whatever happened: it must not reveal whether the address is known. It
    # keeps the branding of the link's partner, which the failure page already showed.
    link = find_link(token, PARTNER)
    context = {"email": email, "brand": brand_of(link), "partner": link.partner if link else None}
    return render(request, "browser/fresh_link_sent.html", context)
