"""webhooks.subscriptions: the cached set of a partner's subscribed event types, its TTL, and the
database fallback when the cache is unreachable (no event lost)."""

import pytest
from django.test import override_settings

from audit.actors import Actor
from audit.recorder import record
from webhooks import subscriptions
from webhooks.models import WebhookDelivery

from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call is refused at once.
DEAD_CACHE = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_a_cache_miss_reads_the_database_once_then_the_cache_answers(
    make, local_targets, django_assert_num_queries
):
    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/a", events=["account.activated"])
    endpoint_for(partner, "http://127.0.0.1:9/b", events=["login_link.revoked"])
    with django_assert_num_queries(1):
        assert subscriptions.subscribed(partner.pk) == {"account.activated", "login_link.revoked"}
    with django_assert_num_queries(0):
        assert subscriptions.subscribed(partner.pk) == {"account.activated", "login_link.revoked"}


def test_the_cached_value_has_the_configured_ttl(make, local_targets, redis_cache):
    from django.core.cache import cache

    partner = make.partner()
    subscriptions.refresh(partner.pk)
    key = cache.make_and_validate_key(f"webhooks:subscribed:{partner.pk}")
    ttl = cache._cache.get_client(write=False).ttl(key)  # Django's backend has no ttl()
    assert 0 < ttl <= local_targets.WEBHOOK_SUBSCRIPTION_CACHE_SECONDS


def test_an_unreachable_cache_falls_back_to_the_database(make, local_targets, redis_cache):
    partner = make.partner()
    endpoint_for(partner, "http://127.0.0.1:9/a", events=["account.activated"])
    with override_settings(CACHES=DEAD_CACHE):
        record("account.activated", actor=Actor.system("test"), partner=partner.pk)
    assert WebhookDelivery.objects.filter(event_type="account.activated").count() == 1
