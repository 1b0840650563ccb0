"""Rate limits, counted by django-ratelimit on the shared cache (Redis in production).

Every limit in the service goes through `consume()`: it counts one hit for an identity (a key,
an account, an IP, an email address) in a fixed window, and raises `RateLimitExceeded` with
everything a 429 response needs (which limit, its window, when it resets). The APIs and pages
turn that into their own error format.

When the cache cannot be reached the limit cannot be counted. By default that fails closed
(`LimitStoreUnavailable`, answered as 503): an outage must not switch brute-force protection
off. `RATELIMIT_FAIL_OPEN=true` lets requests through instead.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from config.http_errors import DependencyUnavailable

logger = logging.getLogger(__name__)


@dataclass
class RateLimitExceeded(Exception):
    name: str
    limit: int
    window_seconds: int
    reset_at: datetime

    @property
    def retry_after(self) -> int:
        remaining = (self.reset_at - datetime.now(UTC)).total_seconds()
        return max(1, int(remaining + 0.999))

    def details(self) -> dict:
        return {
            "limit": self.limit,
            "window_seconds": self.window_seconds,
            "reset_at": self.reset_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


class LimitStoreUnavailable(DependencyUnavailable):
    """The cache that holds the counters is unreachable and limits fail closed (503)."""


def consume(
    name: str,
    identity: str,
    *,
    limit: int,
    window_seconds: int,
    request: HttpRequest | None = None,
) -> None:
    """Count one hit of `identity` against limit `name`; raise when it is over the limit."""
    try:
        usage = get_usage(
            request,
            group=f"linkgate.{name}",
            key=lambda group, request: identity,
            rate=f"{limit}/{window_seconds}s",
            increment=True,
        )
    except (RedisError, ConnectionError, OSError) as exc:
        usage = {"limit": 0, "should_limit": True, "time_left": -1}
        logger.warning("rate-limit store unreachable: %s", type(exc).__name__)
    if usage is None:  # RATELIMIT_ENABLE is off
        return
    if usage["limit"] == 0:  # django-ratelimit's signal that the cache failed
        if settings.RATELIMIT_FAIL_OPEN:
            return
        raise LimitStoreUnavailable(name)
    if usage["should_limit"]:
        reset_at = datetime.now(UTC).replace(microsecond=0) + timedelta(
            seconds=max(usage["time_left"], 1)
        )
        raise RateLimitExceeded(name, limit, window_seconds, reset_at)
