"""Admin for Partner API keys and Admin API service keys.

Keys are created only through accounts.key_services: the plaintext is shown once, on the page
that answers the POST (with Cache-Control: no-store), and only its digest is stored. The digest
is never displayed. A key cannot be edited or deleted afterwards, only revoked (audited).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from audit.actors import Actor

from .admin_base import ReadOnlyInline
from .key_services import (
    create_partner_key,
    create_service_key,
    revoke_partner_key,
    revoke_service_key,
)
from .models import ALL_PARTNER_SCOPES, Partner, PartnerApiKey, ServiceKey


class PartnerKeyForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.order_by("name"))
    name = forms.CharField(max_length=100, initial="default")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in ALL_PARTNER_SCOPES],
        initial=ALL_PARTNER_SCOPES,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        required=False, help_text="Optional, UTC, e.g. 2027-01-31 00:00. Empty: never expires."
    )

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at


class ServiceKeyForm(forms.Form):
    name = forms.CharField(max_length=100)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if ServiceKey.objects.filter(name=name).exists():
            raise forms.ValidationError("A service key with this name already exists.")
        return name


class KeyAdminBase(admin.ModelAdmin):
    """Shared behaviour: a custom add view, read-only afterwards, revoke instead of delete."""

    create_form: type[forms.Form]
    prefix = ""
    list_per_page = 50

    @admin.display(description="key")
    def masked(self, key) -> str:
        return f"{self.prefix}…{key.last4}"

    @admin.display(description="state")
    def state(self, key) -> str:
        if key.revoked_at is not None:
            return "revoked"
        expires_at = getattr(key, "expires_at", None)
        if expires_at is not None and expires_at <= timezone.now():
            return "expired"
        return "active"

    def create(self, request: HttpRequest, data: dict):
        raise NotImplementedError

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.create_form(request.POST or None, initial=request.GET.dict())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Create {self.opts.verbose_name}",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            created = self.create(request, form.cleaned_data)
            context.update(
                title=f"{self.opts.verbose_name.capitalize()} created",
                key=created.key,
                secret=created.plaintext,
                masked=self.masked(created.key),
            )
            response = TemplateResponse(request, "admin/linkgate/key_created.html", context)
            # The page carries the only copy of the key: no browser or proxy may keep it.
            response["Cache-Control"] = "no-store"
            return response
        return TemplateResponse(request, "admin/linkgate/key_add.html", context)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Keys are immutable once created; revoking is the only change (see has_revoke_…).
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        # The model's change permission is what allows revoking (no edit form exists).
        return request.user.has_perm(f"accounts.change_{self.opts.model_name}")

    def revoke(self, request: HttpRequest, key) -> bool:
        raise NotImplementedError

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = sum(self.revoke(request, key) for key in queryset)
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)


class PartnerApiKeyInline(ReadOnlyInline):
    """The partner's keys on its page (masked; never the digest)."""

    model = PartnerApiKey
    fields = ["name", "masked", "scopes", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "API keys"

    @admin.display(description="key")
    def masked(self, key: PartnerApiKey) -> str:
        return f"15th_…{key.last4}"


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(KeyAdminBase):
    create_form = PartnerKeyForm
    prefix = "15th_"
    list_display = ["name", "partner", "masked", "state", "last_used_at", "created_at"]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["partner"]
    search_fields = ["name", "=last4", "partner__name"]
    # key_digest is deliberately absent: it is the lookup index of a live credential.
    fields = [
        "partner",
        "name",
        "masked",
        "scopes",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["revoke_keys"]

    def create(self, request: HttpRequest, data: dict):
        return create_partner_key(
            data["partner"],
            actor=Actor.staff(request.user),
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data["expires_at"],
        )

    def revoke(self, request: HttpRequest, key) -> bool:
        return revoke_partner_key(key, actor=Actor.staff(request.user))


@admin.register(ServiceKey)
class ServiceKeyAdmin(KeyAdminBase):
    create_form = ServiceKeyForm
    prefix = "lgsk_"
    list_display = ["name", "masked", "state", "last_used_at", "created_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=last4"]
    fields = ["name", "masked", "revoked_at", "last_used_at", "created_at"]
    readonly_fields = fields
    actions = ["revoke_keys"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Security: a service key administers every non-staff user of the Admin API (their
        # passwords, emails, links, deletion): more than any one permission of the admin grants,
        # and a way out of the permission model altogether (the key works without a browser and
        # outlives the staff member's account). So creating one is reserved to superusers, not
        # to `accounts.add_servicekey`, which a support role could be given by mistake or in a
        # group. Revoking (change permission) stays delegable: it only ever removes access.
        return request.user.is_active and request.user.is_superuser

    def create(self, request: HttpRequest, data: dict):
        return create_service_key(data["name"], actor=Actor.staff(request.user))

    def revoke(self, request: HttpRequest, key) -> bool:
        return revoke_service_key(key, actor=Actor.staff(request.user))


__all__ = ["PartnerApiKeyAdmin", "ServiceKeyAdmin"]
