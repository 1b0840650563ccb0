"""Per-IP and per-address limits of the Admin API's public endpoints (verify, otp, recover,
resend, signup, password sign-in, reauthenticate).

All counted by accounts.limits.consume; a refusal becomes 429 in GoTrue's format. The per-address
limit is counted for every address asked about, existing or not, so a 429 reveals nothing about
who has an account.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from accounts.limits import RateLimitExceeded, consume
from audit.client_ip import client_ip

from .errors import GoTrueError, rate_limited

EMAIL_LIMIT_CODE = "over_email_send_rate_limit"


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
    return rate_limited(exc, EMAIL_LIMIT_CODE)


@dataclass(frozen=True)
class Limit:
    """One limit of the end-user flows: its name in the store, the setting holding its allowance
    (`default` when unset), its window, and the GoTrue error code of a refusal."""

    name: str
    setting: str
    default: int
    window_seconds: int
    error_code: str = "over_request_rate_limit"

    def consume(self, request: HttpRequest, identity: str) -> None:
        try:
            consume(
                self.name,
                identity,
                limit=getattr(settings, self.setting, self.default),
                window_seconds=self.window_seconds,
                request=request,
            )
        except RateLimitExceeded as exc:
            raise rate_limited(exc, self.error_code) from None


# The limits of the end-user flows (issue 14), in one table so that they can move together.
# Per-IP limits are counted before the body is read; per-address ones for every address asked
# about, with or without an account, so a 429 says nothing about who is registered.
END_USER_LIMITS = {
    # Sign-ups send a confirmation email: a mail-bombing guard, like /otp's.
    "signup.ip": Limit(
        "gotrue.signup.ip", "ADMIN_API_SIGNUPS_PER_IP_PER_HOUR", 30, 3600, EMAIL_LIMIT_CODE
    ),
    "signup.address": Limit(
        "gotrue.signup.address", "ADMIN_API_SIGNUPS_PER_ADDRESS_PER_MINUTE", 1, 60, EMAIL_LIMIT_CODE
    ),
    # Password guesses (brute force): per source, and per address whatever the source.
    "password.ip": Limit("gotrue.password.ip", "ADMIN_API_PASSWORD_PER_IP_PER_5_MINUTES", 30, 300),
    "password.address": Limit(
        "gotrue.password.address", "ADMIN_API_PASSWORD_PER_ADDRESS_PER_5_MINUTES", 10, 300
    ),
    # A reauthentication nonce is an email: the same allowance per address as /otp.
    "reauthenticate.user": Limit(
        "gotrue.reauthenticate.user",
        "ADMIN_API_EMAILS_PER_ADDRESS_PER_MINUTE",
        1,
        60,
        EMAIL_LIMIT_CODE,
    ),
}


def limit(request: HttpRequest, key: str, identity: str | None = None) -> None:
    """Count one hit of END_USER_LIMITS[key] for `identity` (the client's IP when None)."""
    END_USER_LIMITS[key].consume(request, identity if identity is not None else _ip(request))
