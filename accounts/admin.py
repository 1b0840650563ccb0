"""Admin for people and tenants: users, partners, accounts (keys are in accounts.admin_keys).

Status changes of accounts go through accounts.account_status (audited), never through a form
field. Memberships are shown but not edited here: they are created by the Partner API, which
audits them. The "Generate login link" screens are added on top of these classes by
magiclinks.admin, because accounts may not import magiclinks.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from audit.actors import Actor

from .account_status import reactivate_account, suspend_account
from .admin_base import ReadOnlyInline
from .admin_keys import PartnerApiKeyInline
from .domains import normalize_domain
from .models import (
    Account,
    Membership,
    MembershipRole,
    Partner,
    User,
    normalize_email_address,
)
from .protection import is_protected
from .user_changes import changed_by


class AccountMembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "users on this account"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user").order_by("created_at")


class UserMembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["account", "role", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "accounts of this user"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("account").order_by("created_at")


# --- Users -----------------------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    """Email instead of username; the password may be left unusable (set after a link)."""

    class Meta:
        model = User
        fields = ("email",)
        field_classes: dict = {}

    def clean_email(self) -> str:
        # Lower-case before the uniqueness check, so "A@x.com" is refused when "a@x.com" exists.
        email = normalize_email_address(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    inlines = [UserMembershipInline]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    show_full_result_count = False
    # role and deleted_at are the Admin API's (set through /auth/v1/admin/users, which checks
    # them): shown, not edited here.
    readonly_fields = ["created_at", "updated_at", "last_login", "role", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        (
            "Status",
            {
                "fields": [
                    "is_active",
                    "banned_until",
                    "email_confirmed_at",
                    "invited_at",
                    "role",
                    "deleted_at",
                ]
            },
        ),
        (
            "Permissions",
            {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Metadata", {"classes": ["collapse"], "fields": ["user_metadata", "app_metadata"]}),
        ("Important dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]},
        ),
    ]

    def get_inlines(self, request: HttpRequest, obj=None) -> list:
        return self.inlines if obj is not None else []  # a new user is on no account yet

    # Security: `change_user` alone must not be a way up. A non-superuser may neither edit a staff
    # member or superuser (set their password, change their address, take their account) nor
    # grant anybody staff, superuser, group or permission rights (tick "superuser" on a
    # throwaway user and sign in as it). Only superusers hand out privileges.
    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS
        return readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_protected(obj) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_protected(obj) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    # The user form and the password form save through the model, which announces a changed
    # email, password, deactivation or ban (accounts.user_changes): the links and sessions that
    # go with it are ended in the same transaction, attributed to this staff member.
    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        with changed_by(Actor.staff(request.user)):
            super().save_model(request, obj, form, change)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        with changed_by(Actor.staff(request.user)):
            return super().user_change_password(request, id, form_url)


# --- Partners --------------------------------------------------------------------------------


class DomainListField(forms.CharField):
    """Permitted domains as one host per line; each is normalised by accounts.domains."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        domains, errors = [], []
        for raw in text.replace(",", "\n").splitlines():
            if not raw.strip():
                continue
            try:
                domains.append(normalize_domain(raw))
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(domains))  # de-duplicated, order kept


class PartnerForm(forms.ModelForm):
    permitted_domains = DomainListField(
        required=False,
        help_text="One host per line. redirect_url may point at a host or any subdomain of it.",
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "is_active",
            "permitted_domains",
            "brand_name",
            "brand_logo_url",
            "brand_color",
            "support_email",
            "rate_limit_per_minute",
            "rate_limit_per_day",
            "login_links_per_account_per_hour",
        ]

    def clean_brand_color(self) -> str:
        color = self.cleaned_data.get("brand_color", "")
        if color and not (
            len(color) == 7
            and color.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in color[1:])
        ):
            raise forms.ValidationError("Use a hex colour such as #0b5fff.")
        return color


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    inlines = [PartnerApiKeyInline]
    list_display = ["name", "brand_name", "is_active", "domains", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "brand_name"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "permitted_domains", "created_at"]}),
        (
            "Branding",
            {"fields": ["brand_name", "brand_logo_url", "brand_color", "support_email"]},
        ),
        (
            "Limit overrides (empty = the service default)",
            {
                "fields": [
                    "rate_limit_per_minute",
                    "rate_limit_per_day",
                    "login_links_per_account_per_hour",
                ]
            },
        ),
    ]

    def get_inlines(self, request: HttpRequest, obj=None) -> list:
        return self.inlines if obj is not None else []  # a new partner has no keys yet

    @admin.display(description="permitted domains")
    def domains(self, partner: Partner) -> str:
        return ", ".join(partner.permitted_domains or [])


# --- Accounts --------------------------------------------------------------------------------


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["id", "partner", "status", "primary_email", "created_at", "suspended_at"]
    list_filter = ["status", "partner"]
    list_select_related = ["partner"]
    search_fields = ["=id", "=memberships__user__email"]
    search_help_text = "An account id or a user's full email address."
    show_full_result_count = False
    inlines = [AccountMembershipInline]
    # Every field is read-only: status changes go through the audited actions below, and
    # accounts and memberships are created through the Partner API (which audits them).
    fields = ["partner", "status", "created_at", "activated_at", "suspended_at"]
    readonly_fields = fields
    actions = ["suspend_accounts", "reactivate_accounts"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        primary = Membership.objects.filter(
            account=OuterRef("pk"), role=MembershipRole.PRIMARY
        ).values("user__email")[:1]
        # The primary user's email in the same query (no query per row).
        return super().get_queryset(request).annotate(primary_email=Subquery(primary))

    @admin.display(description="primary user", ordering="primary_email")
    def primary_email(self, account: Account) -> str:
        return account.primary_email or "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Accounts hold the audit trail's references; they are suspended, never deleted here.
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if "@" in term:
            term = normalize_email_address(term)
        elif term and not term.isdigit():
            return queryset.none(), False
        return super().get_search_results(request, queryset, term)

    @admin.action(description="Suspend selected accounts", permissions=["change"])
    def suspend_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = Actor.staff(request.user)
        changed = sum(suspend_account(account, actor=actor) for account in queryset)
        self.message_user(request, f"{changed} account(s) suspended.", messages.SUCCESS)

    @admin.action(description="Reactivate selected accounts", permissions=["change"])
    def reactivate_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = Actor.staff(request.user)
        changed = sum(reactivate_account(account, actor=actor) for account in queryset)
        self.message_user(request, f"{changed} account(s) reactivated.", messages.SUCCESS)


__all__ = ["AccountAdmin", "PartnerAdmin", "ReadOnlyInline", "UserAdmin"]
