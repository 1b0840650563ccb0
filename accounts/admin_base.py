"""Building blocks shared by the admin modules of accounts (and magiclinks)."""

from django.contrib import admin
from django.http import HttpRequest

from audit.admin_read_only import ReadOnlyAdminMixin


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """An inline that only shows rows, to whoever may see the page it is on."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # The rows belong to the parent (its users, its emails): seeing it means seeing them.
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("view", "change")
        )
