"""DRF permission for Partner API key scopes (`accounts:read`, `accounts:write`, …).

A view names the scope each HTTP method needs in `required_scopes`; a key without it gets
403 INSUFFICIENT_PERMISSIONS. A view that forgets to declare a scope is refused outright, so a
new endpoint is never open by accident.
"""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import PartnerApiKey


class InsufficientPermissions(exceptions.PermissionDenied):
    default_detail = "This API key does not have the scope this call needs."
    default_code = "INSUFFICIENT_PERMISSIONS"


class HasPartnerScope(BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        key = request.auth
        if not isinstance(key, PartnerApiKey):
            return False  # DRF turns this into 401 (no successful authenticator)
        if not hasattr(view, request.method.lower()):
            return True  # no handler: DRF answers 405, which reveals nothing a scope protects
        required = getattr(view, "required_scopes", {}).get(request.method)
        if request.method in {"HEAD", "OPTIONS"}:
            required = getattr(view, "required_scopes", {}).get("GET", required)
        # Fail closed: an undeclared method needs a scope nobody has.
        if required is None or required not in (key.scopes or []):
            raise InsufficientPermissions(
                detail=f"This API key lacks the scope {required or 'required'!s}."
            )
        return True
