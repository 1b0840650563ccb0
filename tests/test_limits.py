"""accounts.limits: counting, the 429 details, failing closed or open when the store is down."""

import pytest
from django.test import override_settings

from accounts import limits


def test_limit_allows_up_to_the_limit_then_raises_with_details():
    for _ in range(3):
        limits.consume("test", "id-1", limit=3, window_seconds=60)
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.consume("test", "id-1", limit=3, window_seconds=60)
    exceeded = raised.value
    assert (exceeded.name, exceeded.limit, exceeded.window_seconds) == ("test", 3, 60)
    assert 1 <= exceeded.retry_after <= 60
    assert set(exceeded.details()) == {"limit", "window_seconds", "reset_at"}
    limits.consume("test", "id-2", limit=3, window_seconds=60)  # other identities unaffected


@override_settings(RATELIMIT_ENABLE=False)
def test_disabled_limits_never_raise():
    for _ in range(5):
        limits.consume("test", "id", limit=1, window_seconds=60)


UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


def test_unreachable_store_fails_closed_by_default():
    # override_settings(CACHES=…) makes Django rebuild its cache handlers.
    with override_settings(CACHES=UNREACHABLE):
        with pytest.raises(limits.LimitStoreUnavailable):
            limits.consume("test", "id", limit=10, window_seconds=60)
        with override_settings(RATELIMIT_FAIL_OPEN=True):
            limits.consume("test", "id", limit=10, window_seconds=60)
