"""Models for people and tenants: User, Partner, PartnerApiKey, ServiceKey, Account, Membership.

The sessions the Admin API hands out (access + refresh tokens) are supabase_api's models.
"""

import uuid
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ratelimits.table import rate

from . import user_changes
from .protection import is_protected

_PRIVILEGED_SESSION_SALT = "accounts.User.get_session_auth_hash.privileged"


def normalize_email_address(email: str) -> str:
    """Emails are the login name and are compared case-insensitively: store them lower-cased."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_email(self, email: str) -> "User":
        return self.get(email=normalize_email_address(email))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=normalize_email_address(email), **fields)
        # No password means an unusable one: the person sets it after their first link.
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("email_confirmed_at", timezone.now())
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email is the login name, unique regardless of case (stored lower-cased)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=255, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    user_metadata = models.JSONField(default=dict, blank=True)
    app_metadata = models.JSONField(default=dict, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    recovery_sent_at = models.DateTimeField(null=True, blank=True)
    # An email change waiting for confirmation (Admin API email_change_* links).
    new_email = models.EmailField(max_length=255, blank=True)
    email_change_sent_at = models.DateTimeField(null=True, blank=True)
    banned_until = models.DateTimeField(null=True, blank=True)
    # Supabase's `role` (the access token's `role` claim); blank means "authenticated".
    role = models.CharField(max_length=63, blank=True)
    # Set by the Admin API's soft delete (its address is then obfuscated, so it can be reused).
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            # The database itself guarantees case-insensitive uniqueness.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._saved_state = user_changes.saved_state(instance)
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        refreshed = [f for f in user_changes.TRACKED_FIELDS if fields is None or f in fields]
        self._saved_state = {
            **getattr(self, "_saved_state", {}),
            **user_changes.saved_state(self, refreshed),
        }

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email_address(self.email)
        if self.new_email:
            self.new_email = normalize_email_address(self.new_email)
        # Security: a changed address or password must retire the links and a deactivation or
        # ban the sessions issued before it, whichever path saved it (see accounts.user_changes).
        changes = (
            frozenset()
            if self._state.adding  # a new user has no links or sessions yet
            else user_changes.detect(
                self,
                getattr(self, "_saved_state", {}),
                kwargs.get("update_fields"),
                password_was_set=self._password is not None,  # Django's set_password() marker
            )
        )
        if not changes:
            super().save(*args, **kwargs)
        else:
            using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
            with transaction.atomic(using=using):
                super().save(*args, **kwargs)
                user_changes.user_security_changed.send(
                    sender=type(self),
                    user=self,
                    changes=changes,
                    actor=user_changes.current_actor(),
                )
        written = kwargs.get("update_fields")
        fields = [f for f in user_changes.TRACKED_FIELDS if written is None or f in written]
        # Only what was written is now "as saved": an unsaved change to another field must
        # still be seen by the next save.
        self._saved_state = {
            **getattr(self, "_saved_state", {}),
            **user_changes.saved_state(self, fields),
        }

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_banned(self) -> bool:
        return self.banned_until is not None and self.banned_until > timezone.now()

    # Security: Django checks this hash on every request of a browser session and drops the
    # session when it changes (it is why a password change signs other browsers out). A partner
    # link signs a person into the very session /admin/ uses; if that person is later made staff,
    # whoever redeemed the link (the partner, a forwarded email) would now be in the admin. So a
    # staff member's or superuser's hash also covers both flags: any change of privilege ends the
    # sessions started before it. Ordinary users keep Django's own hash, so deploying this signs
    # nobody out but staff (once).
    def get_session_auth_hash(self) -> str:
        if not is_protected(self):
            return super().get_session_auth_hash()
        return self._privileged_session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        if not is_protected(self):
            yield from super().get_session_auth_fallback_hash()
            return
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._privileged_session_hash(secret=fallback_secret)

    def _privileged_session_hash(self, *, secret: str | None) -> str:
        flags = f"{int(self.is_staff)}{int(self.is_superuser)}"
        return salted_hmac(
            _PRIVILEGED_SESSION_SALT,
            f"{self.password}\x00{flags}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Partner(models.Model):
    """A company that calls the Partner API for its client accounts."""

    name = models.CharField(max_length=200, unique=True)
    # Hosts that redirect_url may point at (the host itself or any subdomain of it).
    permitted_domains = models.JSONField(default=list, blank=True)
    # Per-partner overrides of the default limits; null means "use the setting".
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_per_day = models.PositiveIntegerField(null=True, blank=True)
    login_links_per_account_per_hour = models.PositiveIntegerField(null=True, blank=True)
    # Branding for partner-branded emails and the confirmation page.
    brand_name = models.CharField(max_length=200, blank=True)
    brand_logo_url = models.URLField(blank=True)
    brand_color = models.CharField(max_length=7, blank=True, help_text="Hex colour, e.g. #0b5fff")
    support_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.brand_name or self.name

    # The effective limits (this partner's override, else ratelimits.table's value).
    def limit_per_minute(self) -> int:
        return rate("partner.key.minute", self.rate_limit_per_minute)[0]

    def limit_per_day(self) -> int:
        return rate("partner.key.day", self.rate_limit_per_day)[0]

    def links_per_account_per_hour(self) -> int:
        return rate("partner.account.hour", self.login_links_per_account_per_hour)[0]


class PartnerApiKeyScope(models.TextChoices):
    ACCOUNTS_READ = "accounts:read"
    ACCOUNTS_WRITE = "accounts:write"
    LINKS_WRITE = "links:write"
    ACTIVITY_READ = "activity:read"
    WEBHOOKS_MANAGE = "webhooks:manage"


ALL_PARTNER_SCOPES = [scope.value for scope in PartnerApiKeyScope]


def default_scopes() -> list[str]:
    return list(ALL_PARTNER_SCOPES)


class PartnerApiKey(models.Model):
    """A Partner API key (`15th_…`). Only the SHA-256 digest and the last 4 characters are kept."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="default")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    scopes = models.JSONField(default=default_scopes)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "partner API key"

    def __str__(self) -> str:
        return f"15th_…{self.last4} ({self.partner})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ServiceKey(models.Model):
    """An Admin API key (`lgsk_…`), the counterpart of Supabase's service_role key."""

    name = models.CharField(max_length=100, unique=True)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} (lgsk_…{self.last4})"


class AccountStatus(models.TextChoices):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Account(models.Model):
    """A partner's client account; people reach it through memberships."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="accounts")
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ONBOARDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    users = models.ManyToManyField(User, through="Membership", related_name="accounts")

    class Meta:
        indexes = [models.Index(fields=["partner", "-created_at"], name="account_partner_recent")]
        permissions = [("generate_login_link", "Can generate login links for support")]

    def __str__(self) -> str:
        return f"Account {self.pk}"

    @property
    def is_suspended(self) -> bool:
        return self.status == AccountStatus.SUSPENDED


class MembershipRole(models.TextChoices):
    PRIMARY = "primary"
    SPOUSE = "spouse"
    ADDITIONAL = "additional"


class Membership(models.Model):
    """A user's place on an account. Every role has full access; one primary per account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MembershipRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user"),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(role="primary"),
                name="membership_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.account} ({self.role})"


__all__ = [
    "Account",
    "AccountStatus",
    "Membership",
    "MembershipRole",
    "Partner",
    "PartnerApiKey",
    "ServiceKey",
    "User",
]
