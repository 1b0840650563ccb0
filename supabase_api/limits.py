"""Per-IP and per-address limits of the Admin API's public endpoints (verify, otp, recover).

All counted by accounts.limits.consume; a refusal becomes 429 in GoTrue's format. The per-address
limit is counted for every address asked about, existing or not, so a 429 reveals nothing about
who has an account.
"""

from django.conf import settings
from django.http import HttpRequest

from accounts.limits import RateLimitExceeded, consume
from audit.client_ip import client_ip

from .errors import GoTrueError, rate_limited


def _ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def limit_verify(request: HttpRequest) -> None:
    """Brute-force guard on /verify, on top of the per-link OTP attempt limit. Callers count it
    before reading the body, so that malformed bodies are limited too."""
    consume(
        "gotrue.verify.ip",
        _ip(request),
        limit=settings.ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES,
        window_seconds=300,
        request=request,
    )


def limit_verify_address(request: HttpRequest, address: str) -> None:
    """Code guesses per address (POST /verify with email + token), on top of the per-IP limit:
    an attacker with many source IPs still gets only so many guesses at one person's codes.

    Counted for every address asked about, with or without an account, so a 429 says nothing
    about who is registered. The price: a stranger can make one person's code answer 429 for a
    few minutes; that person's link (by its action link or hashed_token) is not affected.
    """
    consume(
        "gotrue.verify.address",
        address,
        limit=settings.ADMIN_API_VERIFY_PER_ADDRESS_PER_5_MINUTES,
        window_seconds=300,
        request=request,
    )


def limit_email_ip(request: HttpRequest, endpoint: str) -> None:
    """Mail-bombing guard on /otp and /recover, per IP per hour. Counted before the body is read,
    so a malformed body costs the sender its allowance like any other request."""
    try:
        consume(
            f"gotrue.{endpoint}.ip",
            _ip(request),
            limit=settings.ADMIN_API_EMAILS_PER_IP_PER_HOUR,
            window_seconds=3600,
            request=request,
        )
    except RateLimitExceeded as exc:
        raise _email_limited(exc) from None


def limit_email_address(request: HttpRequest, endpoint: str, address: str) -> None:
    """Mail-bombing guard on /otp and /recover, per address per minute."""
    try:
        consume(
            f"gotrue.{endpoint}.address",
            address,
            limit=settings.ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE,
            window_seconds=60,
            request=request,
        )
    except RateLimitExceeded as exc:
        raise _email_limited(exc) from None


def _email_limited(exc: RateLimitExceeded) -> GoTrueError:
    return rate_limited(exc, "over_email_send_rate_limit")
