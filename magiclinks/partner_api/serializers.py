"""Request bodies and query strings of the Partner API, with every bound the contract sets.

This is the Partner API's one validation of its input: each body serializer hands its flow the
typed value the flow takes (`options()`, `person()`…), and the flows check only what needs the
database (suspension, membership, the partner's redirect domains).
"""

from rest_framework import serializers

from accounts.models import AccountStatus, MembershipRole

from ..flows.add_user import ADDABLE_ROLES
from ..flows.partner_link import (
    DEFAULT_EXPIRY_HOURS,
    MAX_EXPIRY_HOURS,
    MIN_EXPIRY_HOURS,
    PartnerLinkOptions,
)
from ..flows.people import PersonInput
from ..models import LinkPurpose, LinkStatus
from .fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
    StrictSerializer,
)
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

NAME_MAX = 50


def _name() -> StrictCharField:
    return StrictCharField(max_length=NAME_MAX)


def _person(data: dict, notify_field: str) -> PersonInput:
    return PersonInput(data["email"], data["first_name"], data["last_name"], data[notify_field])


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

    def primary(self) -> PersonInput:
        return _person(self.validated_data, "send_notification")

    def spouse_person(self) -> PersonInput | None:
        spouse = self.validated_data.get("spouse")
        return _person(spouse, "send_invitation") if spouse else None


class AddUserSerializer(StrictSerializer):
    email = StrictEmailField()
    first_name = _name()
    last_name = _name()
    role = StrictChoiceField(
        choices=[role.value for role in ADDABLE_ROLES], default=MembershipRole.ADDITIONAL.value
    )
    send_invitation = StrictBooleanField(default=True)

    def person(self) -> PersonInput:
        return _person(self.validated_data, "send_invitation")

    def member_role(self) -> MembershipRole:
        return MembershipRole(self.validated_data["role"])


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
        min_value=MIN_EXPIRY_HOURS, max_value=MAX_EXPIRY_HOURS, default=DEFAULT_EXPIRY_HOURS
    )
    purpose = StrictChoiceField(choices=LinkPurpose.values, required=False, allow_null=True)
    # Checked against the partner's permitted domains by the flow (accounts.redirects).
    redirect_url = StrictCharField(max_length=2048, required=False, allow_null=True)
    send_notification = StrictBooleanField(default=True)
    notification_settings = NotificationSettingsSerializer(required=False, allow_null=True)

    def options(self) -> PartnerLinkOptions:
        data = self.validated_data
        return PartnerLinkOptions(
            user_email=data.get("user_email"),
            expiry_hours=data["expiry_hours"],
            purpose=data.get("purpose"),
            redirect_url=data.get("redirect_url"),
            send_notification=data["send_notification"],
            notification_settings=dict(data.get("notification_settings") or {}),
        )


class PageQuerySerializer(serializers.Serializer):
    """The page of a list (pagination.PartnerApiPagination takes the validated values)."""

    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
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
