"""The one rule that keeps API credentials away from the people who run the service.

A *protected* user is a staff member or a superuser: somebody whose browser session opens the
Django admin. The Admin API (service keys, service_role JWTs), the Partner API and the link
screens may never see, change, issue links for, sign in or delete a protected user; redeeming a
link, refreshing an Admin API session and the browser's reset and link pages refuse them too.
Every one of those places asks this module, so the rule cannot drift between them.

Why not `is_active` as well: a deactivated staff member can be reactivated by a superuser, and
whatever an API credential planted on them meanwhile (a password, a link) would come back with
them. Protection follows the flags alone.
"""

from typing import Any

from django.db.models import Q, QuerySet

# Security: a superuser without is_staff cannot open /admin/ today, but has every permission the
# moment is_staff is set; both flags are covered so that neither half can be taken over.
_PROTECTED_FLAGS = ("is_staff", "is_superuser")


def is_protected(user: Any) -> bool:
    """Whether `user` is staff or superuser (and therefore out of reach of every API)."""
    return any(bool(getattr(user, flag, False)) for flag in _PROTECTED_FLAGS)


def protected_q(prefix: str = "") -> Q:
    """`Q` matching protected users; `prefix` for a relation, e.g. ``protected_q("user__")``."""
    condition = Q()
    for flag in _PROTECTED_FLAGS:
        condition |= Q(**{f"{prefix}{flag}": True})
    return condition


def protected_sql(alias: str) -> str:
    """SQL true for a protected row of the user table aliased `alias` (a statement of our own
    that cannot take a Q, e.g. magiclinks.flows.issue's)."""
    flags = " OR ".join(f'{alias}."{flag}"' for flag in _PROTECTED_FLAGS)
    return f"({flags})"


def unprotected(queryset: QuerySet) -> QuerySet:
    """The users of `queryset` an API may see (a queryset of User)."""
    return queryset.exclude(protected_q())


__all__ = ["is_protected", "protected_q", "protected_sql", "unprotected"]
