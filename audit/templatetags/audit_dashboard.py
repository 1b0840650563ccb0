"""`{% last_24_hours_panel as counts %}` for the admin index page (templates/admin/index.html)."""

from django import template

from ..dashboard import last_24_hours

register = template.Library()


@register.simple_tag(takes_context=True)
def last_24_hours_panel(context) -> dict[str, int] | None:
    """The counts, or None for staff who may not read the audit log."""
    request = context.get("request")
    if request is None or not request.user.has_perm("audit.view_auditevent"):
        return None
    return last_24_hours()
