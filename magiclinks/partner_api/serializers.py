"""Request bodies and query strings of the Partner API, with every bound the contract sets."""

from rest_framework import serializers

from accounts.models import AccountStatus, MembershipRole

from ..flows.partner_link import MAX_EXPIRY_HOURS, MIN_EXPIRY_HOURS
from ..models import LinkPurpose, LinkStatus
from .fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
    StrictSerializer,
)

NAME_MAX = 50
MAX_OFFSET = 2**31 - 1


def _name() -> StrictCharField:
    return StrictCharField(max_length=NAME_MAX)


class SpouseSerializer(StrictSerializer):
    email = StrictEmailField()
    first_name = _name()
    last_name = _name()
    send_invitation = StrictBooleanField(default=True)


class CreateAccountSerializer(StrictSerializer):
    email = StrictEmailField()
    first_name = _name()
    last_name = _name()
    spouse = SpouseSerializer(required=False)
    send_notification = StrictBooleanField(default=False)


class AddUserSerializer(StrictSerializer):
    email = StrictEmailField()
    first_name = _name()
    last_name = _name()
    role = StrictChoiceField(
        choices=[MembershipRole.SPOUSE.value, MembershipRole.ADDITIONAL.value],
        default=MembershipRole.ADDITIONAL.value,
    )
    send_invitation = StrictBooleanField(default=True)


class NotificationSettingsSerializer(StrictSerializer):
    partner_branded = StrictBooleanField(default=True)
    # Security: the subject becomes a mail header, so no line breaks (header injection).
    custom_subject = StrictCharField(max_length=150, required=False, allow_blank=True)
    # Plain text, rendered escaped in the email; newlines and tabs are kept.
    custom_message = StrictCharField(
        max_length=2000, required=False, allow_blank=True, multiline=True, trim_whitespace=False
    )
    include_instructions = StrictBooleanField(default=True)


class GenerateLinkSerializer(StrictSerializer):
    user_email = StrictEmailField(required=False, allow_null=True)
    expiry_hours = StrictIntegerField(
        min_value=MIN_EXPIRY_HOURS, max_value=MAX_EXPIRY_HOURS, default=MAX_EXPIRY_HOURS
    )
    purpose = StrictChoiceField(choices=LinkPurpose.values, required=False, allow_null=True)
    # Checked against the partner's permitted domains by the flow (accounts.redirects).
    redirect_url = StrictCharField(max_length=2048, required=False, allow_null=True)
    send_notification = StrictBooleanField(default=True)
    notification_settings = NotificationSettingsSerializer(required=False, allow_null=True)


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


class AccountListQuerySerializer(PageQuerySerializer):
    status = serializers.ChoiceField(choices=AccountStatus.values, required=False)
    email = serializers.EmailField(required=False, max_length=255)


class LinkListQuerySerializer(PageQuerySerializer):
    status = serializers.ChoiceField(choices=LinkStatus.values, required=False)
    user_email = serializers.EmailField(required=False, max_length=255)


class ActivityQuerySerializer(PageQuerySerializer):
    event = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False)
