"""Response bodies of the Partner API. They read models and flow results directly, and double
as the OpenAPI description of what each endpoint returns."""

from functools import cache

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import AccountStatus, Membership, MembershipRole
from audit.activity import STAFF_LABEL, ActivityEventSerializer, ActorSerializer

from ..models import IssuerType, LinkStatus
from . import queries


@cache
def _shared(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    return serializer_class()


def represent(serializer_class: type[serializers.Serializer], instance: object) -> dict:
    """`serializer_class(instance).data`, from one serializer built once per process.

    Building a DRF serializer deep-copies its declared fields every time (0.3 ms of the
    0.31 ms a login-link response cost; 0.025 ms from the shared one, docs/performance.md).
    Reading is safe to share: to_representation changes nothing on the serializer or its
    fields, and these serializers use no context."""
    return _shared(serializer_class).to_representation(instance)


class NullIfBlankCharField(serializers.CharField):
    """Blank model strings ("no purpose", "no redirect") are null in JSON."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class UserSerializer(serializers.Serializer):
    """A person on an account (from a Membership)."""

    id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    role = serializers.ChoiceField(choices=MembershipRole.values)
    status = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    last_login_at = serializers.DateTimeField(source="user.last_login", allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=["invited", "active"]))
    def get_status(self, membership: Membership) -> str:
        return "active" if membership.user.last_login else "invited"

    def get_has_password(self, membership: Membership) -> bool:
        return membership.user.has_usable_password()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AccountStatus.values)
    email = serializers.SerializerMethodField()
    first_name = serializers.SerializerMethodField()
    last_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    users = UserSerializer(source="memberships.all", many=True)

    def _primary(self, account, attribute: str) -> str:
        membership = queries.primary_membership(account)
        return getattr(membership.user, attribute) if membership else ""

    @extend_schema_field(serializers.EmailField())
    def get_email(self, account) -> str:
        return self._primary(account, "email")

    def get_first_name(self, account) -> str:
        return self._primary(account, "first_name")

    def get_last_name(self, account) -> str:
        return self._primary(account, "last_name")


class AccountListSerializer(serializers.Serializer):
    accounts = AccountSerializer(many=True)
    total_count = serializers.IntegerField()
    has_more = serializers.BooleanField()


class NewMemberSerializer(serializers.Serializer):
    """A member created with a link (flows.create_account.CreatedMember)."""

    id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    login_link = serializers.URLField(source="welcome.url")
    login_link_expires_at = serializers.DateTimeField(source="welcome.issued.link.expires_at")
    status = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["invited", "active"]))
    def get_status(self, member) -> str:
        return "active" if member.user.last_login else "invited"


class CreatedAccountSerializer(serializers.Serializer):
    """flows.create_account.CreatedAccount → the contract's create response."""

    id = serializers.IntegerField(source="account.id")
    status = serializers.ChoiceField(choices=AccountStatus.values, source="account.status")
    email = serializers.EmailField(source="primary.user.email")
    first_name = serializers.CharField(source="primary.user.first_name")
    last_name = serializers.CharField(source="primary.user.last_name")
    login_link = serializers.URLField(source="primary.welcome.url")
    login_link_expires_at = serializers.DateTimeField(
        source="primary.welcome.issued.link.expires_at"
    )
    created_at = serializers.DateTimeField(source="account.created_at")
    spouse = NewMemberSerializer(required=False)

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        if instance.spouse is None:
            data.pop("spouse")  # "spouse when one was given"
        return data


class AddedUserSerializer(UserSerializer):
    """flows.add_user.AddedUser: the user as listed, plus the first login link."""

    login_link = serializers.URLField()
    login_link_expires_at = serializers.DateTimeField()

    def to_representation(self, added) -> dict:
        data = dict(UserSerializer(added.membership).data)
        data["login_link"] = added.welcome.url
        data["login_link_expires_at"] = self.fields["login_link_expires_at"].to_representation(
            added.welcome.issued.link.expires_at
        )
        return data


class UserListSerializer(serializers.Serializer):
    users = UserSerializer(many=True)


class LoginLinkSerializer(serializers.Serializer):
    """flows.partner_link.PartnerLinkResult → the generate-login-link response."""

    login_link = serializers.URLField(source="url")
    link_id = serializers.UUIDField(source="link.id")
    user_email = serializers.EmailField(source="user.email")
    expires_at = serializers.DateTimeField(source="link.expires_at")
    expires_in_hours = serializers.IntegerField(source="expiry_hours")
    purpose = NullIfBlankCharField(source="link.purpose")
    redirect_url = NullIfBlankCharField(source="link.redirect_url")
    notification_sent = serializers.BooleanField(source="notification_queued")
    previous_links_invalidated = serializers.IntegerField(source="invalidated_count")
    created_at = serializers.DateTimeField(source="link.created_at")
    account_id = serializers.IntegerField(source="link.account_id")


def login_link_json(result) -> dict:
    """`LoginLinkSerializer(result).data`, written out: the one response built on every issue.

    The serializer reads each field through DRF's source traversal and field classes, 80 µs of
    CPU per issue in the request (a tenth of what an issue costs beyond the floor, docs/
    performance.md); this is the same mapping in 10 µs. LoginLinkSerializer stays the
    description in the OpenAPI document, and the tests assert both give the same body for every
    kind of result (tests/test_partner_api_representations.py), so they cannot drift apart."""
    link = result.link
    timestamp = _shared(LoginLinkSerializer).fields["created_at"].to_representation
    return {
        "login_link": result.url,
        "link_id": str(link.id),
        "user_email": result.user.email,
        "expires_at": timestamp(link.expires_at),
        "expires_in_hours": int(result.expiry_hours),
        "purpose": link.purpose or None,
        "redirect_url": link.redirect_url or None,
        "notification_sent": bool(result.notification_queued),
        "previous_links_invalidated": int(result.invalidated_count),
        "created_at": timestamp(link.created_at),
        "account_id": int(link.account_id),
    }


class LinkSummarySerializer(serializers.Serializer):
    """A link as listed: metadata only, never the token (which is not stored anyway)."""

    link_id = serializers.UUIDField(source="id")
    user_email = serializers.EmailField(source="user.email")
    status = serializers.ChoiceField(choices=LinkStatus.values)
    purpose = NullIfBlankCharField()
    redirect_url = NullIfBlankCharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)
    invalidated_at = serializers.DateTimeField(allow_null=True)
    invalidation_reason = NullIfBlankCharField()
    issued_by = serializers.SerializerMethodField()

    @extend_schema_field(ActorSerializer)
    def get_issued_by(self, link) -> dict:
        label = STAFF_LABEL if link.issuer_type == IssuerType.STAFF else link.issuer_label
        return {"type": link.issuer_type, "label": label}


class LinkListSerializer(serializers.Serializer):
    login_links = LinkSummarySerializer(many=True)
    total_count = serializers.IntegerField()
    has_more = serializers.BooleanField()


class ActivitySerializer(serializers.Serializer):
    events = ActivityEventSerializer(many=True)
    total_count = serializers.IntegerField()
    has_more = serializers.BooleanField()


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded"])
    timestamp = serializers.DateTimeField()
    checks = serializers.DictField(child=serializers.ChoiceField(choices=["ok", "unavailable"]))
