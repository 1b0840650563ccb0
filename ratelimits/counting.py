"""The one module that counts rate limits: all the counters a check needs in one Redis round trip.

`check(request, ("browser.password_login.ip", ip), ("browser.password_login.address", email))`
counts one hit of each identity against its limit (ratelimits.table) in a fixed window that
starts at the identity's first hit, and raises `RateLimitExceeded` for the first limit that is
over, with everything a 429 needs (which limit, its window, when it resets). The APIs and pages
turn that into their own format (Partner API envelope, GoTrue error, the 429 page).

Order matters and is kept: the counters are counted in the order given and counting stops at the
first one over its limit, exactly as separate calls one after the other would (a client already
refused per IP does not also spend a victim's per-address allowance). On Redis this runs as one
Lua script (one EVALSHA: INCR, EXPIRE on the first hit, TTL when over), atomic, so a key can never
be left without an expiry.

Why not django-ratelimit (which this replaces): its `get_usage` counts one limit per call, with
`cache.add` and then `cache.incr`, i.e. up to two round trips per limit and four to six per
request; it cannot count several limits at once. Its key functions and decorator do not fit
either: our identities (partner key, account, normalised address, audit.client_ip's address)
are computed by the callers, and the refusals must carry the limit's details.

Without Redis (the zero-setup mode: a local-memory cache in one process) the same is done with
the cache's add/incr, one limit after another.

When Redis cannot be reached the limits cannot be counted. By default that fails closed
(`LimitStoreUnavailable`, answered as 503): an outage must not switch brute-force protection off.
`RATELIMIT_FAIL_OPEN=true` lets requests through instead; `RATELIMIT_ENABLE=false` counts nothing.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.exceptions import RedisError

from audit.client_ip import client_ip
from config.cache import run_script
from config.http_errors import DependencyUnavailable
from config.metrics import record_refusal

from . import table

logger = logging.getLogger(__name__)

# KEYS: the counters; ARGV: limit1, window1, limit2, window2, ...
# Returns 0 when every counter is within its limit, else {index (1-based), seconds to reset}.
_COUNT_ALL = """
for i, key in ipairs(KEYS) do
    local limit = tonumber(ARGV[2 * i - 1])
    local window = tonumber(ARGV[2 * i])
    local count = redis.call('INCR', key)
    if count == 1 then
        redis.call('EXPIRE', key, window)
    end
    if count > limit then
        local ttl = redis.call('TTL', key)
        if ttl < 0 then
            redis.call('EXPIRE', key, window)
            ttl = window
        end
        return {i, ttl}
    end
end
return 0
"""


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


@dataclass(frozen=True)
class Hit:
    """One hit of `identity` against limit `name`; `override` is a partner's own count."""

    name: str
    identity: str
    override: int | None = None


def ip_of(request: HttpRequest) -> str:
    """The identity of the per-IP limits (audit.client_ip, the audit log's address)."""
    return client_ip(request) or "unknown"


def _key(name: str, identity: str) -> str:
    return f"rl:{name}:{identity}"


_scripts: dict[int, object] = {}


def _count_on_redis(cache: RedisCache, keys: list[str], args: list[int]) -> tuple[int, int] | None:
    client = cache._cache.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts.setdefault(id(client), client.register_script(_COUNT_ALL))
    result = run_script(script, keys, args)
    return None if result == 0 else (int(result[0]) - 1, int(result[1]))


def _count_in_cache(cache, keys: list[str], args: list[int]) -> tuple[int, int] | None:
    # Zero-setup mode only (one process, local memory): add starts a window, incr counts in it.
    for index, key in enumerate(keys):
        limit, window = args[2 * index], args[2 * index + 1]
        if cache.add(key, 1, window):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
                count = 1
        if count > limit:
            return index, window
    return None


def count(*hits: Hit) -> None:
    """Count `hits` in order in one round trip; raise for the first one over its limit."""
    if not settings.RATELIMIT_ENABLE or not hits:
        return
    rates = [table.rate(hit.name, hit.override) for hit in hits]
    cache = caches[settings.RATELIMIT_USE_CACHE]
    keys = [cache.make_key(_key(hit.name, hit.identity)) for hit in hits]
    args = [value for pair in rates for value in pair]
    try:
        if isinstance(cache, RedisCache):
            over = _count_on_redis(cache, keys, args)
        else:
            over = _count_in_cache(cache, [_key(h.name, h.identity) for h in hits], args)
    except (RedisError, ConnectionError, OSError) as exc:
        logger.warning("rate-limit store unreachable: %s", type(exc).__name__)
        if settings.RATELIMIT_FAIL_OPEN:
            return
        raise LimitStoreUnavailable(hits[0].name) from None
    if over is not None:
        index, seconds_left = over
        name = hits[index].name
        limit, window = rates[index]
        record_refusal(name)
        reset_at = datetime.now(UTC).replace(microsecond=0) + timedelta(
            seconds=max(seconds_left, 1)
        )
        raise RateLimitExceeded(name, limit, window, reset_at)


def consume(name: str, identity: str, *, override: int | None = None) -> None:
    """Count one hit of `identity` against limit `name` (a check with a single counter)."""
    count(Hit(name, identity, override))


class Deferred:
    """Hits whose counting waits to share the round trip of a later check in the same request:
    that check counts `*deferred.take()` first, in order, with its own hits; `settle()` counts
    them on their own if nothing took them (the request failed before that check), so every
    request still spends them exactly once and one over the limit still gets the 429."""

    def __init__(self, *hits: Hit) -> None:
        self._hits = hits

    def take(self) -> tuple[Hit, ...]:
        hits, self._hits = self._hits, ()
        return hits

    def settle(self) -> None:
        count(*self.take())


def count_after[T](
    parse: Callable[[], T], first: Sequence[Hit], then: Callable[[T], Sequence[Hit]]
) -> T:
    """Parse the request, then count `first` and the hits `then(parsed)` names in one round trip.

    For the forms and endpoints limited per IP *and* per address, where the address is in the
    body: when `parse` fails, `first` is still counted before the error propagates, so a
    malformed request spends the per-IP allowance like any other, and a client over that limit
    gets the 429 either way (what counting `first` before parsing did, one round trip cheaper).
    """
    try:
        parsed = parse()
    except Exception:
        count(*first)
        raise
    count(*first, *then(parsed))
    return parsed
