"""webhooks.events: the payload of an audit event keeps only the listed detail keys."""

import pytest

from audit.actors import Actor
from audit.recorder import record
from webhooks.events import EVENT_TYPES, SUBSCRIBABLE, payload_for

pytestmark = pytest.mark.django_db


def test_only_listed_details_reach_the_payload(make):
    partner = make.partner()
    event = record(
        "notification.bounced",
        actor=Actor.system("test"),
        partner=partner,
        details={
            "notification_id": 7,
            "kind": "partner_login_link",
            "reason": "bounced",
            "esp_message_id": "abc",
            "recipient_ip": "10.0.0.1",
        },
    )
    payload = payload_for(event)
    assert payload["data"] == {
        "account_id": None,
        "user_email": None,
        "link_id": None,
        "notification_id": 7,
        "kind": "partner_login_link",
        "reason": "bounced",
    }
    assert payload["id"] == f"evt_{event.pk}" and payload["created_at"].endswith("Z")


def test_the_six_event_types():
    assert (
        SUBSCRIBABLE
        == set(EVENT_TYPES)
        == {
            "login_link.redeemed",
            "login_link.expired",
            "login_link.revoked",
            "account.activated",
            "notification.delivered",
            "notification.bounced",
        }
    )
