"""config.cache: one client per pool, the atomic incr, and run_script's one command per call on
a pooled connection, through a flushed script cache and a killed connection (real Redis)."""

import pytest
from django.core.cache import cache

from config.cache import run_script
from tests.redis_counting import count_redis

pytestmark = pytest.mark.usefixtures("redis_cache")


@pytest.fixture
def client():
    return cache._cache.get_client(write=True)


@pytest.fixture
def echo(client):
    return client.register_script("return {KEYS[1], ARGV[1]}")


def test_a_script_is_one_evalsha(echo):
    run_script(echo, ["k"], [7])  # warm: the pool's connection is set up
    with count_redis() as sent:
        assert run_script(echo, ["k"], [7]) == [b"k", b"7"]
    assert (sent.commands, sent.round_trips) == (["EVALSHA"], 1)


def test_a_script_redis_forgot_is_sent_in_full_once(client, echo):
    run_script(echo, ["k"], [1])
    client.script_flush()  # as a Redis restart does
    with count_redis() as sent:
        assert run_script(echo, ["k"], [2]) == [b"k", b"2"]
        assert run_script(echo, ["k"], [3]) == [b"k", b"3"]
    assert sent.commands == ["EVALSHA", "EVAL", "EVALSHA"]  # EVAL cached it again


def test_a_connection_closed_by_redis_is_replaced(client, echo):
    run_script(echo, ["k"], [1])
    client.client_kill_filter(_type="normal", skipme=False)  # every client connection, ours too
    assert run_script(echo, ["k"], [2]) == [b"k", b"2"]


def test_a_failing_script_leaves_the_pool_usable(client, echo):
    failing = client.register_script("return redis.error_reply('no')")
    with pytest.raises(Exception, match="no"):
        run_script(failing, [], [])
    assert run_script(echo, ["k"], [1]) == [b"k", b"1"]


def test_incr_counts_an_existing_key_and_refuses_a_missing_one():
    cache.set("counter", 1, 60)
    assert cache.incr("counter", 2) == 3
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")
    assert cache.get("missing") is None  # not created without an expiry
