"""Helpers of the webhook tests."""

from audit.actors import Actor
from webhooks import services
from webhooks.events import EVENT_TYPES

TEST_ACTOR = Actor.system("test")


def endpoint_for(partner, url: str, events=None):
    """An endpoint and its secret, created through the service (as the API and admin do)."""
    return services.create_endpoint(
        partner, url=url, event_types=list(events or EVENT_TYPES), actor=TEST_ACTOR
    )
