"""The Account and User admins of accounts.admin, extended with the link screens.

accounts may not import magiclinks, so the "Generate login link" button, its view and the bulk
action are added here and magiclinks.admin re-registers the two models with these classes. (A
changed email or password retires the user's links through magiclinks.receivers, whichever form
saved it.)
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse

from accounts.admin import AccountAdmin, UserAdmin
from accounts.models import Membership
from accounts.protection import protected_q

from . import recent_links
from .bulk import email_links_to_primary_users
from .views import can_generate, generate_link_view


class GenerateLinkMixin:
    """Adds <id>/generate-login-link/ and the button's context to a change page."""

    opened_from = ""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(
                "<path:object_id>/generate-login-link/",
                self.admin_site.admin_view(self.generate_link),
                name="{}_{}_generate_link".format(*info),
            )
        ]
        return extra + super().get_urls()

    def generate_link(self, request: HttpRequest, object_id: str):
        return generate_link_view(self, request, object_id, opened_from=self.opened_from)

    def button_available(self, request: HttpRequest, object_id: str) -> bool:
        return True

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        # The button is shown only to holders of the permission (the view checks it again).
        if can_generate(request) and self.button_available(request, object_id):
            extra_context["generate_link_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_generate_link",
                args=[object_id],
            )
        return super().change_view(request, object_id, form_url, extra_context)


class StaffAccountAdmin(GenerateLinkMixin, AccountAdmin):
    opened_from = "account"
    actions = [*AccountAdmin.actions, "email_links"]
    fields = [*AccountAdmin.fields, "recent_links"]
    readonly_fields = fields

    @admin.display(description="recent login links")
    def recent_links(self, account) -> str:
        return recent_links.for_account(account)

    def has_generate_login_link_permission(self, request: HttpRequest) -> bool:
        return can_generate(request)

    @admin.action(
        description="Email fresh login links to the primary users",
        permissions=["generate_login_link"],
    )
    def email_links(self, request: HttpRequest, queryset: QuerySet):
        return email_links_to_primary_users(self, request, queryset)


class StaffUserAdmin(GenerateLinkMixin, UserAdmin):
    opened_from = "user"
    fieldsets = [*UserAdmin.fieldsets, ("Login links", {"fields": ["recent_links"]})]
    readonly_fields = [*UserAdmin.readonly_fields, "recent_links"]

    @admin.display(description="recent login links")
    def recent_links(self, user) -> str:
        return recent_links.for_user(user)

    def button_available(self, request: HttpRequest, object_id: str) -> bool:
        # Partner login links belong to an account: no button for users on none, nor for staff
        # and superusers (accounts.protection), for whom no link is ever issued.
        try:
            return (
                Membership.objects.filter(user_id=unquote(object_id))
                .exclude(protected_q("user__"))
                .exists()
            )
        except (ValidationError, ValueError):  # not a UUID: the change view answers for it
            return False
