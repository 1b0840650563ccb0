"""AuditEvent: one row per thing that happened, written with the change and never altered.

References to users and links are kept without a database constraint: deleting a user (Admin
API `DELETE /admin/users/{id}`) or purging old links must not rewrite or remove the history
about them. The event also keeps the user's email as it was, for the activity feed.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImmutableEventError(Exception):
    """Raised on any attempt to change or delete a written audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEventError("Audit events cannot be changed.")

    def delete(self):
        raise ImmutableEventError("Audit events cannot be deleted.")

    def for_account(self, account_id: int) -> "AuditEventQuerySet":
        """Events of one account, newest first (served by the account_recent index)."""
        return self.filter(account_id=account_id).order_by("-occurred_at", "-id")


class ActorType(models.TextChoices):
    PARTNER = "partner"
    STAFF = "staff"
    SERVICE = "service"
    USER = "user"
    SYSTEM = "system"


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now)
    event = models.CharField(max_length=64)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    partner = models.ForeignKey(
        "accounts.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The references below are indexed by the composite indexes of Meta, which lead with them;
    # the single-column index a ForeignKey adds by default would only duplicate them, on a table
    # every link event inserts into (docs/performance.md, "Growth").
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    user_email = models.EmailField(max_length=255, blank=True)
    link = models.ForeignKey(
        "magiclinks.LoginLink",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="audit_account_recent"),
            models.Index(
                fields=["account", "event", "-occurred_at"], name="audit_account_event_recent"
            ),
            models.Index(fields=["-occurred_at"], name="audit_recent"),
            models.Index(fields=["link"], name="audit_link"),
            # A person's own history (the account page's recent sign-ins), newest first.
            models.Index(fields=["user", "-occurred_at", "-id"], name="audit_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableEventError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError("Audit events cannot be deleted.")
