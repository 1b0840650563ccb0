"""The event types a webhook endpoint can subscribe to, and the payload sent for each.

A payload is built from the audit event alone: ids, the user's email, the event's details. Audit
details never hold a link secret (tokens are stored hashed and never recorded), and the payload
keeps only the listed detail keys, so a future detail cannot leak into a partner's receiver.
"""

from typing import Any

from audit.models import AuditEvent

LINK_REDEEMED = "login_link.redeemed"
LINK_EXPIRED = "login_link.expired"
LINK_REVOKED = "login_link.revoked"
ACCOUNT_ACTIVATED = "account.activated"
NOTIFICATION_DELIVERED = "notification.delivered"
NOTIFICATION_BOUNCED = "notification.bounced"
TEST = "webhook.test"

EVENT_TYPES = [
    LINK_REDEEMED,
    LINK_EXPIRED,
    LINK_REVOKED,
    ACCOUNT_ACTIVATED,
    NOTIFICATION_DELIVERED,
    NOTIFICATION_BOUNCED,
]
SUBSCRIBABLE = frozenset(EVENT_TYPES)
# Detail keys a receiver may see (everything else in the audit details stays in the audit log).
DETAIL_KEYS = ("kind", "reason", "notification_id", "first_sign_in_by", "expired_at")


def payload_for(event: AuditEvent) -> dict[str, Any]:
    """The JSON body of the delivery of `event` (no secret: see the module docstring)."""
    details = event.details or {}
    return {
        "id": f"evt_{event.pk}",
        "type": event.event,
        "created_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "account_id": event.account_id,
            "user_email": event.user_email or None,
            "link_id": str(event.link_id) if event.link_id else None,
            **{key: details[key] for key in DETAIL_KEYS if key in details},
        },
    }
