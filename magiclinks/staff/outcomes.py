"""Plain-language sentences for the refusals of generate_partner_link, for support staff."""

from datetime import UTC, datetime

from ratelimits.counting import LimitStoreUnavailable, RateLimitExceeded

from ..flows.errors import (
    AccountSuspended,
    FlowError,
    InvalidRedirect,
    UserNotEligible,
    UserNotOnAccount,
)

# What the service can refuse with; each maps to a short outcome code for the bulk report.
REFUSALS = (FlowError, RateLimitExceeded, LimitStoreUnavailable)


def limit_message(exc: RateLimitExceeded) -> str:
    minutes = max(1, round((exc.reset_at - datetime.now(UTC)).total_seconds() / 60))
    return (
        f"This account has reached its limit of {exc.limit} login links per hour. "
        f"A new link can be generated after {exc.reset_at:%H:%M} UTC (in about {minutes} min)."
    )


def describe(exc: Exception) -> tuple[str, str]:
    """(outcome code, sentence) for one refusal of the service."""
    if isinstance(exc, RateLimitExceeded):
        return "limited", limit_message(exc)
    if isinstance(exc, LimitStoreUnavailable):
        return "unavailable", "The rate-limit store is unreachable. Try again in a minute."
    codes = {
        AccountSuspended: "suspended",
        UserNotOnAccount: "no user",
        InvalidRedirect: "invalid",
        UserNotEligible: "protected",
    }
    code = next((c for kind, c in codes.items() if isinstance(exc, kind)), "refused")
    # FlowError messages are written to be shown (they never contain secrets).
    return code, exc.message if isinstance(exc, FlowError) else "The request was refused."
