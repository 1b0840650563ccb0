"""ratelimits.counting: counting, the 429 details, order and short-circuit of several counters,
one Redis round trip per check, failing closed or open when the store is down."""

import pytest
from django.test import override_settings

from ratelimits import counting as limits
from ratelimits.counting import Hit
from tests.redis_counting import count_redis

# A limit of 3 per minute for the tests below (overriding a real entry of the table).
THREE = {"browser.link_confirm.ip": "3/60", "browser.fresh_link.address": "2/60"}


@override_settings(RATE_LIMITS=THREE)
def test_limit_allows_up_to_the_limit_then_raises_with_details():
    for _ in range(3):
        limits.consume("browser.link_confirm.ip", "id-1")
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.consume("browser.link_confirm.ip", "id-1")
    exceeded = raised.value
    assert (exceeded.name, exceeded.limit, exceeded.window_seconds) == (
        "browser.link_confirm.ip",
        3,
        60,
    )
    assert 1 <= exceeded.retry_after <= 60
    assert set(exceeded.details()) == {"limit", "window_seconds", "reset_at"}
    limits.consume("browser.link_confirm.ip", "id-2")  # other identities unaffected


@override_settings(RATE_LIMITS=THREE)
def test_a_partner_override_replaces_the_count_not_the_window():
    for _ in range(5):
        limits.consume("browser.link_confirm.ip", "id", override=5)
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.consume("browser.link_confirm.ip", "id", override=5)
    assert (raised.value.limit, raised.value.window_seconds) == (5, 60)


@override_settings(RATE_LIMITS=THREE)
def test_several_counters_count_in_order_and_stop_at_the_first_refusal():
    ip = Hit("browser.link_confirm.ip", "198.51.100.1")
    address = Hit("browser.fresh_link.address", "victim@example.com")
    for _ in range(2):
        limits.count(ip, address)
    limits.count(ip)  # the IP's third and last hit
    # The IP is over: refused by the IP limit, and the address is NOT counted (as separate calls
    # one after the other would do), so a refused client cannot spend a victim's allowance.
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.count(ip, address)
    assert raised.value.name == "browser.link_confirm.ip"
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.count(Hit("browser.link_confirm.ip", "other"), address)
    assert raised.value.name == "browser.fresh_link.address"  # its third hit, not its fourth


@pytest.mark.django_db
@override_settings(RATE_LIMITS=THREE)
def test_one_check_of_several_counters_is_one_redis_round_trip(redis_cache):
    hits = [Hit("browser.link_confirm.ip", "ip"), Hit("browser.fresh_link.address", "a@b.c")]
    limits.count(*hits)  # loads the script once
    with count_redis() as trips:
        limits.count(*hits)
    assert trips.round_trips == 1
    with count_redis() as trips, pytest.raises(limits.RateLimitExceeded):
        limits.count(*hits)  # a refusal costs no extra round trip either
    assert trips.round_trips == 1


@pytest.mark.django_db
def test_the_window_expires_in_redis(redis_cache):
    from django.core.cache import cache

    limits.consume("browser.link_confirm.ip", "ttl")
    client = cache._cache.get_client(write=True)
    key = cache.make_key("rl:browser.link_confirm.ip:ttl")
    assert 0 < client.ttl(key) <= 60


@override_settings(RATELIMIT_ENABLE=False)
def test_disabled_limits_never_raise():
    for _ in range(50):
        limits.consume("browser.fresh_link.address", "id")


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
            limits.consume("browser.link_confirm.ip", "id")
        with override_settings(RATELIMIT_FAIL_OPEN=True):
            limits.consume("browser.link_confirm.ip", "id")


# One request of each kind that checks limits: before this module each limit cost one or two
# round trips (django-ratelimit's cache.add, then cache.incr), 4 to 6 per request.
@pytest.mark.django_db
def test_each_request_costs_one_round_trip_per_check(client, make, redis_cache):
    partner = make.partner()
    key = make.api_key(partner)
    account = make.account(partner)
    auth = {"Authorization": f"Bearer {key}"}

    def post(path, body, **extra):
        return client.post(path, body, content_type="application/json", **extra)

    requests = {
        # key per minute + key per day: one check.
        "partner api GET": (1, lambda: client.get(f"/v1beta/accounts/{account.pk}", headers=auth)),
        # the key limits and the account's link allowance, counted together once the request
        # is valid (so refused requests never spend the allowance): one round trip.
        "partner api login link": (
            1,
            lambda: post(
                f"/v1beta/accounts/{account.pk}/login-link",
                {"send_notification": False},
                headers=auth,
            ),
        ),
        "auth verify (ip + address)": (
            1,
            lambda: post(
                "/auth/v1/verify",
                {"type": "magiclink", "email": "a@example.com", "token": "123456"},
            ),
        ),
        "auth otp (ip + address)": (1, lambda: post("/auth/v1/otp", {"email": "b@example.com"})),
        "browser forgot password (ip + address)": (
            1,
            lambda: client.post("/auth/password/forgot/", {"email": "c@example.com"}),
        ),
    }
    for label, (expected, send) in requests.items():
        send()  # the script is loaded once per process
        with count_redis() as trips:
            response = send()
        assert response.status_code < 500, label
        assert trips.round_trips == expected, label


LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCAL_MEMORY, RATE_LIMITS=THREE)
def test_without_redis_the_local_memory_cache_counts_the_same_way():
    ip = Hit("browser.link_confirm.ip", "198.51.100.1")
    address = Hit("browser.fresh_link.address", "victim@example.com")
    for _ in range(2):
        limits.count(ip, address)
    limits.count(ip)
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.count(ip, address)
    assert raised.value.name == "browser.link_confirm.ip"
    with pytest.raises(limits.RateLimitExceeded) as raised:
        limits.count(Hit("browser.link_confirm.ip", "other"), address)
    assert raised.value.name == "browser.fresh_link.address"
