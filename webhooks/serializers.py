"""Bodies and representations of /v1beta/webhooks (the Partner API's strict fields)."""

from rest_framework import serializers

from magiclinks.partner_api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
)
from magiclinks.partner_api.serializers import PageQuerySerializer

from .events import EVENT_TYPES
from .models import DeliveryStatus

URL_MAX = 2048


class _EventsField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=StrictChoiceField(choices=EVENT_TYPES), min_length=1, max_length=16, **kwargs
        )


class CreateWebhookSerializer(StrictSerializer):
    url = StrictCharField(max_length=URL_MAX)
    events = _EventsField()
    description = StrictCharField(max_length=200, required=False, default="", allow_blank=True)


class UpdateWebhookSerializer(StrictSerializer):
    url = StrictCharField(max_length=URL_MAX, required=False)
    events = _EventsField(required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    enabled = StrictBooleanField(required=False)


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))
    description = serializers.CharField()
    enabled = serializers.BooleanField()
    secret_last4 = serializers.CharField(help_text="The last 4 characters of the secret.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CreatedWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (`whsec_…`). Shown in this response only: store it now."
    )


class WebhookListSerializer(serializers.Serializer):
    webhooks = WebhookSerializer(many=True)
    total_count = serializers.IntegerField()
    has_more = serializers.BooleanField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.values)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next attempt is due (null once delivered or failed)."
    )
    last_response_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status != DeliveryStatus.PENDING:
            data["next_attempt_at"] = None
        return data


class DeliveryListSerializer(serializers.Serializer):
    deliveries = DeliverySerializer(many=True)
    total_count = serializers.IntegerField()
    has_more = serializers.BooleanField()


class DeliveryListQuerySerializer(PageQuerySerializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.values, required=False)
