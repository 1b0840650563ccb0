"""The Admin API's side of the rate limits: which limits its public endpoints count, and a
refusal answered in GoTrue's format (429 with upstream's error code).

The limits themselves (names, defaults, windows, overrides) are declared once in
ratelimits.table and counted by ratelimits.counting, one round trip per check.
"""

from collections.abc import Callable

from rest_framework.request import Request

from ratelimits.counting import Hit, RateLimitExceeded, count, count_after, ip_of

from . import errors

# Upstream's code for a refused email-sending request (/otp, /recover, /signup, /resend,
# /reauthenticate); everything else answers over_request_rate_limit.
EMAIL_LIMIT_CODE = "over_email_send_rate_limit"
REQUEST_LIMIT_CODE = "over_request_rate_limit"


def counted[T](
    request: Request,
    endpoint: str,
    parse: Callable[[], T],
    address_of: Callable[[T], str | None],
    error_code: str = EMAIL_LIMIT_CODE,
) -> T:
    """Parse the request while counting `auth.<endpoint>.ip`, then, once the body is valid,
    `auth.<endpoint>.address`, in one round trip (ratelimits.counting.count_after).

    Security: the per-IP limit is counted whether or not the body parses (garbage counts too);
    the per-address one for every address asked about, with or without an account, so a 429
    says nothing about who is registered."""

    def per_address(parsed: T) -> list[Hit]:
        address = address_of(parsed)
        return [Hit(f"auth.{endpoint}.address", address)] if address else []

    try:
        return count_after(
            parse, [Hit(f"auth.{endpoint}.ip", ip_of(request._request))], per_address
        )
    except RateLimitExceeded as exc:
        raise errors.rate_limited(exc, error_code) from None


def count_user(name: str, user_id: str, error_code: str = EMAIL_LIMIT_CODE) -> None:
    """One hit of a per-user limit (`auth.reauthenticate.user`)."""
    try:
        count(Hit(name, user_id))
    except RateLimitExceeded as exc:
        raise errors.rate_limited(exc, error_code) from None
