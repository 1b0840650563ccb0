"""Links and notifications in the admin, and the link screens on accounts and users.

Links are read-only here: no add, no edit, no delete; the one change is "revoke" (through
magiclinks.flows.revoke, audited, gated by magiclinks.revoke_loginlink). The token is never
stored, and neither its digest nor the OTP MAC is displayed: the digest is the lookup key of a
live credential and is accepted by the Admin API's verify (`token_hash`), so showing it would be
showing the link. Notification rows never show their encrypted secret.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyInline
from accounts.models import Account, User
from audit.actors import Actor
from audit.admin_filters import AccountIdFilter
from audit.admin_read_only import ReadOnlyAdminMixin

from .flows.revoke import revoke_link
from .models import LinkStatus, LoginLink, Notification
from .staff.admin_extensions import StaffAccountAdmin, StaffUserAdmin

NOTIFICATION_FIELDS = [
    "kind",
    "recipient",
    "subject",
    "status",
    "attempts",
    "last_error",
    "esp_message_id",
    "created_at",
    "sent_at",
    "delivered_at",
]


class StatusFilter(admin.SimpleListFilter):
    """Derived status, filtered with conditions on the timestamps (indexes stay usable)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list:
        return LinkStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in LinkStatus.values:
            return queryset
        return queryset.with_status_in(self.value())


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = NOTIFICATION_FIELDS  # encrypted_secret is never shown
    readonly_fields = fields
    ordering = ["created_at"]


@admin.register(LoginLink)
class LoginLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only (old links are purged by the beat task; the audit log keeps their history);
    the one change is the audited "revoke" action."""

    list_display = [
        "short_id",
        "status_label",
        "user",
        "account_id",
        "partner",
        "kind",
        "purpose",
        "issuer",
        "created_at",
        "expires_at",
        "used_at",
    ]
    list_filter = [StatusFilter, "partner", "purpose", "kind", "created_at", AccountIdFilter]
    list_select_related = ["user", "partner"]
    search_fields = ["user__email"]
    search_help_text = "A user's email (or part of it), or an account id."
    show_full_result_count = False
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    list_per_page = 50
    inlines = [NotificationInline]
    actions = ["revoke_links"]
    # token_digest and otp_mac are deliberately absent (see the module docstring).
    fields = [
        "id",
        "status_label",
        "user",
        "account",
        "partner",
        "kind",
        "purpose",
        "redirect_url",
        "new_email",
        "issuer",
        "created_at",
        "expires_at",
        "used_at",
        "invalidated_at",
        "invalidation_reason",
        "otp_failed_attempts",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_status()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if term.isdigit():
            # An account id: an indexed equality instead of a text search.
            return queryset.filter(account_id=int(term)), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description="link", ordering="created_at")
    def short_id(self, link: LoginLink) -> str:
        return str(link.pk)[:8]

    @admin.display(description="status", ordering="computed_status")
    def status_label(self, link: LoginLink) -> str:
        return getattr(link, "computed_status", None) or link.status

    @admin.display(description="issuer")
    def issuer(self, link: LoginLink) -> str:
        return f"{link.issuer_type}: {link.issuer_label}" if link.issuer_label else link.issuer_type

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("magiclinks.revoke_loginlink")

    @admin.action(description="Revoke selected links", permissions=["revoke"])
    def revoke_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = Actor.staff(request.user)
        links = list(queryset.with_status_in(LinkStatus.ACTIVE))
        revoked = sum(revoke_link(link, actor=actor) for link in links)
        skipped = queryset.count() - revoked
        self.message_user(request, f"{revoked} link(s) revoked.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} link(s) were not active and were left as they are."
            )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["=recipient", "=esp_message_id"]
    show_full_result_count = False
    fields = ["link", "user", "account", "partner", *NOTIFICATION_FIELDS, "options"]
    readonly_fields = fields


# Replace the plain Account and User admins with the ones that carry the link screens.
for model, model_admin in ((Account, StaffAccountAdmin), (User, StaffUserAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)

admin.site.site_header = "Linkgate administration"
admin.site.site_title = "Linkgate admin"
admin.site.index_title = "Support"
