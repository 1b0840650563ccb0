"""The 429 page of the end-user pages: `@limited` turns a RateLimitExceeded raised by the view
(ratelimits.counting) into the page saying when to try again, with `Retry-After`. An unreachable
limit store raises `LimitStoreUnavailable`, which config.middleware answers with 503."""

from collections.abc import Callable
from functools import wraps

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import normalize_email_address
from ratelimits.counting import RateLimitExceeded


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn RateLimitExceeded raised by the view into the 429 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RateLimitExceeded as exc:
            response = render(
                request,
                "browser/rate_limited.html",
                {"minutes": max(1, (exc.retry_after + 59) // 60), "window": exc.window_seconds},
                status=429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapped


def address_of(form: Form) -> str:
    """The identity of a form's per-address limit: its valid `email`, case folded."""
    return normalize_email_address(form.cleaned_data["email"])
