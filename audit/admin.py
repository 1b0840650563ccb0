"""The audit log in the admin: read-only for everybody, fast on a big table.

Nobody, superusers included, can add, change or delete an event here: the log is evidence.
Links lead from an event to its account, user and link pages (by id, without joins).
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .admin_filters import AccountIdFilter
from .admin_read_only import ReadOnlyAdminMixin
from .models import AuditEvent

# Event names are free text in the table; listing them from the data would need a DISTINCT over
# the whole log, so the filter offers the names the services write (any other name still works
# as ?event=<name>).
KNOWN_EVENTS = [
    "account.created",
    "account.activated",
    "account.suspended",
    "account.reactivated",
    "user.created",
    "user.added",
    "user.updated",
    "user.email_changed",
    "user.email_confirmed",
    "user.deleted",
    "user.signed_in",
    "user.sign_in_failed",
    "user.signed_out",
    "credentials.set",
    "session.created",
    "session.revoked",
    "session.refresh_token_reused",
    "login_link.generated",
    "login_link.invalidated",
    "login_link.revoked",
    "login_link.redeemed",
    "login_link.redeem_failed",
    "login_link.expired",
    "login_link.otp_disabled",
    "login_link.redirect_refused",
    "login_link.fresh_requested",
    "notification.queued",
    "notification.sent",
    "notification.failed",
    "notification.delivered",
    "notification.bounced",
    "notification.complained",
    "partner.created",
    "api_key.created",
    "api_key.revoked",
    "service_key.created",
    "service_key.revoked",
    "webhook.endpoint_created",
    "webhook.endpoint_updated",
    "webhook.endpoint_deleted",
    "webhook.delivery_failed",
]


class EventFilter(admin.SimpleListFilter):
    title = "event"
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(name, name) for name in KNOWN_EVENTS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(event=self.value()) if self.value() else queryset


def admin_link(viewname: str, pk: object, label: object) -> str:
    """A link to another admin page, or the bare label when that page does not exist."""
    if pk is None:
        return "-"
    try:
        url = reverse(viewname, args=[pk])
    except NoReverseMatch:
        return str(label)
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log is append-only: no add, edit or delete for anybody, superusers included."""

    date_hierarchy = "occurred_at"
    list_display = [
        "occurred_at",
        "event",
        "actor_type",
        "actor_label",
        "partner",
        "account_link",
        "user_link",
        "link_link",
        "ip_address",
    ]
    list_filter = [EventFilter, "actor_type", "partner", AccountIdFilter]
    # Only the partner is joined (for its name); account, user and link are shown by id.
    list_select_related = ["partner"]
    search_fields = ["=user_email", "=request_id"]
    # COUNT(*) over the whole log is slow on a big table; the changelist skips it.
    show_full_result_count = False
    list_per_page = 50
    fields = [
        "occurred_at",
        "event",
        "actor_type",
        "actor_id",
        "actor_label",
        "partner",
        "account_link",
        "user_link",
        "user_email",
        "link_link",
        "ip_address",
        "user_agent",
        "request_id",
        "details",
    ]
    readonly_fields = fields

    @admin.display(description="account", ordering="account_id")
    def account_link(self, event: AuditEvent) -> str:
        return admin_link("admin:accounts_account_change", event.account_id, event.account_id)

    @admin.display(description="user")
    def user_link(self, event: AuditEvent) -> str:
        label = event.user_email or event.user_id
        return admin_link("admin:accounts_user_change", event.user_id, label)

    @admin.display(description="link")
    def link_link(self, event: AuditEvent) -> str:
        label = str(event.link_id)[:8] if event.link_id else None
        return admin_link("admin:magiclinks_loginlink_change", event.link_id, label)
