"""Which event types each partner's enabled endpoints subscribe to, without asking the database.

The audit sink runs on every recorded event; for a partner with no endpoint for that event type
it must cost no SQL statement. The set of subscribed types per partner is kept in the shared
cache (Redis), refreshed after every endpoint change commits, with a TTL bounding how long a
value written by a racing reader can stay stale. A cache miss (first event after a flush or the
TTL) costs one indexed read of the partner's endpoints; an unreachable cache falls back to that
same read, so events are never lost because Redis is down.
"""

import logging

from django.conf import settings
from django.core.cache import cache

from .models import WebhookEndpoint

logger = logging.getLogger(__name__)


def _key(partner_id: int) -> str:
    return f"webhooks:subscribed:{partner_id}"


def from_database(partner_id: int) -> frozenset[str]:
    types: set[str] = set()
    for events in WebhookEndpoint.objects.filter(partner_id=partner_id, enabled=True).values_list(
        "events", flat=True
    ):
        types.update(events)
    return frozenset(types)


def subscribed(partner_id: int) -> frozenset[str]:
    """The event types at least one enabled endpoint of the partner receives."""
    try:
        cached = cache.get(_key(partner_id))
    except Exception:  # cache down: the database answers (one statement), nothing is lost
        logger.warning("cache unavailable; reading webhook subscriptions from the database")
        return from_database(partner_id)
    if cached is not None:
        return frozenset(cached)
    return refresh(partner_id)


def refresh(partner_id: int) -> frozenset[str]:
    """Re-read the partner's subscriptions and store them in the cache."""
    types = from_database(partner_id)
    try:
        cache.set(_key(partner_id), sorted(types), settings.WEBHOOK_SUBSCRIPTION_CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable; webhook subscriptions not cached")
    return types
