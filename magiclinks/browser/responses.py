"""Responses shared by the end-user views: the failure page and "where to after signing in"."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from ..models import LoginLink
from ..notifications.branding import brand_for
from .failures import Failure
from .forms import EmailForm
from .session_state import pop_next


def see_other(url: str) -> HttpResponse:
    """303: after a POST the browser must GET the next page (never re-POST it)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def brand_of(link: LoginLink | None):
    """The partner's branding for a page about `link` (the service's own when there is none)."""
    return brand_for(link.partner if link is not None else None, {})


def failure_page(
    request: HttpRequest,
    failure: Failure,
    link: LoginLink | None,
    *,
    fresh_action: str | None = None,
    retry_url: str | None = None,
    form: EmailForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    """The page of a link that does not work; offers the fresh-link form at `fresh_action`."""
    context = {
        "failure": failure,
        "brand": brand_of(link),
        "partner": link.partner if link is not None else None,
        "fresh_action": fresh_action if failure.fresh_link else None,
        "retry_url": retry_url,
        "form": form or EmailForm(),
    }
    return render(request, "browser/link_failed.html", context, status=status or failure.status)


def after_sign_in(request: HttpRequest) -> HttpResponse:
    """First the permanent-credentials step for a person without a password, then onwards."""
    if not request.user.has_usable_password():
        return see_other(reverse("browser:set_password"))
    return see_other(pop_next(request))
