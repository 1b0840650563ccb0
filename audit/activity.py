"""An account's activity feed: the query and its serializer (Partner API `/activity`).

Only reads. Events come from the `audit_account_recent` / `audit_account_event_recent` indexes,
newest first. The actor of staff events is shown as "support" rather than the staff member's
address: partners see that support acted, not who (their staff directory is not theirs to read).
"""

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import ActorType, AuditEvent

STAFF_LABEL = "support"


def account_activity(account_id: int, *, event: str | None = None, since: datetime | None = None):
    """Events of one account, newest first, optionally of one type and from a moment on."""
    events = AuditEvent.objects.for_account(account_id)
    if event:
        events = events.filter(event=event)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    return events


class ActorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ActorType.choices)
    label = serializers.CharField()


class ActivityEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    user_email = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "event",
            "occurred_at",
            "actor",
            "user_email",
            "ip_address",
            "user_agent",
            "details",
        ]

    @extend_schema_field(ActorSerializer)
    def get_actor(self, event: AuditEvent) -> dict:
        label = STAFF_LABEL if event.actor_type == ActorType.STAFF else event.actor_label
        return {"type": event.actor_type, "label": label}

    def get_user_email(self, event: AuditEvent) -> str | None:
        return event.user_email or None
