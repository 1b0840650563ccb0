"""LoginLink (one secret, one use) and Notification (the email outbox).

A link's status is derived, never stored: the timestamps say everything, and a derived status
cannot disagree with them. `LoginLinkQuerySet.with_status()` computes the same thing in SQL for
filtering and listing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone


class LinkKind(models.TextChoices):
    PARTNER_LOGIN = "partner_login"
    SIGNUP = "signup"
    INVITE = "invite"
    MAGICLINK = "magiclink"
    RECOVERY = "recovery"
    EMAIL_CHANGE_CURRENT = "email_change_current"
    EMAIL_CHANGE_NEW = "email_change_new"
    # A code that proves a signed-in user reads their mailbox before a password change (Admin API
    # GET /reauthenticate). Its code is checked by the password change; it signs nobody in.
    REAUTHENTICATION = "reauthentication"


ADMIN_API_KINDS = [kind.value for kind in LinkKind if kind != LinkKind.PARTNER_LOGIN]


class LinkPurpose(models.TextChoices):
    INITIAL_ACCESS = "initial_access"
    EXPIRED_LINK = "expired_link"
    LOST_CREDENTIALS = "lost_credentials"
    ADDITIONAL_USER = "additional_user"
    SUPPORT_REQUEST = "support_request"
    MANUAL_DELIVERY = "manual_delivery"


# The browser's "Forgot your password?" links: `recovery` links with purpose lost_credentials
# (magiclinks.flows.password_reset). They open the browser's reset page only; the Admin API's
# redeem entry points exclude them (magiclinks.flows.redeem), so neither their secret nor their
# hashed_token is accepted by /auth/v1/verify. A check, not a kind of their own, so that the kinds
# and their Supabase names stay exactly what the Admin API and its clients know.
BROWSER_RESET = Q(kind=LinkKind.RECOVERY, purpose=LinkPurpose.LOST_CREDENTIALS)


class LinkStatus(models.TextChoices):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"
    INVALIDATED = "invalidated"
    REVOKED = "revoked"


class InvalidationReason(models.TextChoices):
    SUPERSEDED = "superseded", "replaced by a newer link"
    REVOKED = "revoked", "revoked"
    # No longer set: wrong codes now disable the code, not the link (audit login_link.otp_disabled).
    # Kept so that links invalidated this way before still read correctly.
    OTP_ATTEMPTS = "otp_attempts", "too many wrong codes"
    SIBLING_REDEEMED = "sibling_redeemed", "another link of the user was used"
    USER_CHANGED = "user_changed", "the user's email or password changed"


class IssuerType(models.TextChoices):
    PARTNER = "partner"
    STAFF = "staff"
    SERVICE = "service"
    USER = "user"
    SYSTEM = "system"


def partner_scope(account_id: int) -> str:
    """Partner links of one user on one account replace each other."""
    return f"account:{account_id}"


def self_service_scope(account_id: int) -> str:
    """Links a person emailed themselves ("email me a fresh link") for one account. They replace
    only each other, never a link the partner or staff issued: an anonymous form must not be able
    to kill the link a partner handed over. A partner or staff link replaces both scopes."""
    return f"account:{account_id}:self-service"


def admin_scope(kind: str) -> str:
    """Admin API links replace each other within a kind group, as Supabase Auth's token columns
    do: signup/invite share the confirmation token, magiclink/recovery the recovery token."""
    groups = {
        LinkKind.SIGNUP: "confirmation",
        LinkKind.INVITE: "confirmation",
        LinkKind.MAGICLINK: "recovery",
        LinkKind.RECOVERY: "recovery",
    }
    return groups.get(kind, kind)


class LoginLinkQuerySet(models.QuerySet):
    def active(self) -> "LoginLinkQuerySet":
        return self.filter(used_at=None, invalidated_at=None, expires_at__gt=Now())

    def with_status(self) -> "LoginLinkQuerySet":
        return self.annotate(
            computed_status=Case(
                When(invalidation_reason=InvalidationReason.REVOKED, then=Value("revoked")),
                When(invalidated_at__isnull=False, then=Value("invalidated")),
                When(used_at__isnull=False, then=Value("used")),
                When(expires_at__lte=Now(), then=Value("expired")),
                default=Value("active"),
                output_field=models.CharField(),
            )
        )

    def with_status_in(self, status: str) -> "LoginLinkQuerySet":
        """Filter by derived status without an annotation (keeps indexes usable)."""
        conditions = {
            LinkStatus.REVOKED: Q(invalidation_reason=InvalidationReason.REVOKED),
            LinkStatus.INVALIDATED: Q(invalidated_at__isnull=False)
            & ~Q(invalidation_reason=InvalidationReason.REVOKED),
            LinkStatus.USED: Q(invalidated_at=None, used_at__isnull=False),
            LinkStatus.EXPIRED: Q(invalidated_at=None, used_at=None, expires_at__lte=Now()),
            LinkStatus.ACTIVE: Q(invalidated_at=None, used_at=None, expires_at__gt=Now()),
        }
        return self.filter(conditions[LinkStatus(status)])


class LoginLink(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SHA-256 of the secret's hashed_token, i.e. SHA-256(SHA-256(secret)): neither the secret nor
    # the hashed_token a client presents is ever stored (see magiclinks.tokens).
    # Unique through Meta.constraints, not unique=True: on PostgreSQL that would add a second,
    # text_pattern_ops index for LIKE queries nobody makes, on a random key every issue inserts
    # into (docs/performance.md, "Growth").
    token_digest = models.CharField(max_length=64, editable=False)
    # HMAC of the optional 6-digit code (Admin API links); blank when the link has none.
    otp_mac = models.CharField(max_length=64, blank=True, editable=False)
    # Wrong codes so far; at OTP_MAX_ATTEMPTS the code stops working (the link does not).
    otp_failed_attempts = models.PositiveSmallIntegerField(default=0)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_links"
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="login_links",
        db_index=False,  # link_account_recent (account, -created_at) serves lookups by account
    )
    partner = models.ForeignKey(
        "accounts.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="login_links",
    )
    kind = models.CharField(max_length=32, choices=LinkKind.choices)
    scope = models.CharField(max_length=64)
    purpose = models.CharField(max_length=32, blank=True, choices=LinkPurpose.choices)
    redirect_url = models.URLField(max_length=2048, blank=True)
    # The address an email_change_* link moves the user to.
    new_email = models.EmailField(max_length=255, blank=True)

    issuer_type = models.CharField(max_length=16, choices=IssuerType.choices)
    issuer_id = models.CharField(max_length=64, blank=True)
    issuer_label = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidation_reason = models.CharField(
        max_length=32, blank=True, choices=InvalidationReason.choices
    )

    objects = LoginLinkQuerySet.as_manager()

    class Meta:
        indexes = [
            # Issue: find the user's still-open links of one scope.
            models.Index(
                fields=["user", "scope"],
                condition=Q(used_at=None, invalidated_at=None),
                name="link_open_by_user_scope",
            ),
            # Listing an account's links, newest first.
            models.Index(fields=["account", "-created_at"], name="link_account_recent"),
            # Purge and the admin's date filters.
            models.Index(fields=["expires_at"], name="link_expires"),
            models.Index(fields=["-created_at"], name="link_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["token_digest"], name="link_token_digest_unique"),
        ]
        permissions = [("revoke_loginlink", "Can revoke login links")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link for {self.user_id}"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def status_at(self, moment) -> str:
        """The status as it was (or will be) at `moment`, given the current timestamps."""
        if self.invalidation_reason == InvalidationReason.REVOKED:
            return LinkStatus.REVOKED
        if self.invalidated_at is not None:
            return LinkStatus.INVALIDATED
        if self.used_at is not None:
            return LinkStatus.USED
        if self.expires_at <= moment:
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status == LinkStatus.ACTIVE


class NotificationStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    BOUNCED = "bounced"


class NotificationKind(models.TextChoices):
    PARTNER_LOGIN_LINK = "partner_login_link"
    ACCOUNT_CREATED = "account_created"
    USER_ADDED = "user_added"
    SIGNUP = "signup"
    INVITE = "invite"
    MAGICLINK = "magiclink"
    RECOVERY = "recovery"
    EMAIL_CHANGE = "email_change"
    REAUTHENTICATION = "reauthentication"


class Notification(models.Model):
    """An email waiting to be sent (the outbox), then the record of what happened to it.

    The link secret rides here, Fernet-encrypted, only until the email is sent; the Celery task
    receives nothing but this row's id.
    """

    link = models.ForeignKey(
        LoginLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "accounts.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.EmailField(max_length=255)
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    subject = models.CharField(max_length=255)
    # Rendering options: partner_branded, custom_subject, custom_message, include_instructions…
    options = models.JSONField(default=dict, blank=True)
    encrypted_secret = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="notification_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


class IdempotencyRecord(models.Model):
    """The first response to a Partner API POST sent with an `Idempotency-Key`, kept for
    IDEMPOTENCY_KEY_TTL_SECONDS (magiclinks.partner_api.idempotency).

    The body is stored encrypted: a login link URL in it is a live secret until it expires.
    """

    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused (422).
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    encrypted_response = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="idempotency_partner_key")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key}"
