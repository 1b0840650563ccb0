"""`ReadOnlyAdminMixin`: admin screens that show rows and never add, change or delete them.

For records that only services write, inside the transaction that audits them (audit events,
login links, outbox rows, the rows an inline lists): an admin edit would bypass those rules and
their audit trail, so these hold for every user, superusers included. Here, in the bottom layer,
so that every app's admin can use it. Viewing still needs the model's view permission.
"""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Mix into a ModelAdmin or an InlineModelAdmin (before it, so these methods win)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
