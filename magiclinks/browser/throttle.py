"""Rate limits of the public pages, counted with accounts.limits.consume (Redis in production).

Each form is limited per client IP (a script hammering us) and, where it names an email address,
per address (somebody flooding one inbox or guessing one password). A refused request gets a 429
page saying when to try again, with `Retry-After`. An unreachable limit store raises
`LimitStoreUnavailable`, which config.middleware answers with 503 (limits fail closed).
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.limits import RateLimitExceeded, consume
from accounts.models import normalize_email_address
from audit.client_ip import client_ip

MINUTE, HOUR = 60, 3600

# name: (limit, window in seconds). Generous for people, tight for scripts.
LIMITS: dict[str, tuple[int, int]] = {
    "browser.link_confirm.ip": (30, MINUTE),
    "browser.fresh_link.ip": (10, HOUR),
    "browser.fresh_link.address": (3, HOUR),
    "browser.password_login.ip": (30, 5 * MINUTE),
    # Per address: an online password guesser gets 10 tries per 15 minutes, from any number of IPs.
    "browser.password_login.address": (10, 15 * MINUTE),
    "browser.password_reset.ip": (10, HOUR),
    "browser.password_reset.address": (3, HOUR),
    "browser.reset_confirm.ip": (30, MINUTE),
}


def hit(request: HttpRequest, name: str, identity: str | None = None) -> None:
    """Count one request against limit `name` for `identity` (default: the client IP)."""
    limit, window = LIMITS[name]
    who = identity if identity is not None else (client_ip(request) or "unknown")
    consume(name, who, limit=limit, window_seconds=window, request=request)


def hit_address(request: HttpRequest, prefix: str, email: str) -> None:
    """Count one request against `<prefix>.address` for `email` (case does not matter)."""
    hit(request, f"{prefix}.address", normalize_email_address(email))


def hit_ip_and_address(request: HttpRequest, prefix: str, email: str) -> None:
    """The pair every email form uses: `<prefix>.ip`, then `<prefix>.address`."""
    hit(request, f"{prefix}.ip")
    hit_address(request, prefix, email)


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
