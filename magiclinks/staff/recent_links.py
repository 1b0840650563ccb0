"""The "Recent login links" box on the Account and User change pages: each link's fate at a
glance (status, purpose, issuer, times), with a link to the full filtered list."""

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..models import LoginLink

RECENT_LINKS = 10
_ROW = (
    '<tr><td><a href="{}">{}</a></td><td data-status="{}">{}</td><td>{}</td><td>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td></tr>"
)


def _when(moment) -> str:
    return format_date(moment, "Y-m-d H:i") if moment else "-"


def recent_links_table(links: QuerySet, all_links_query: str) -> SafeString:
    """One query: the newest RECENT_LINKS links of `links`, as a small HTML table."""
    rows = list(links.order_by("-created_at")[:RECENT_LINKS])
    changelist = reverse("admin:magiclinks_loginlink_changelist")
    more = format_html('<p><a href="{}?{}">All links</a></p>', changelist, all_links_query)
    if not rows:
        return format_html("<p>No login links yet.</p>{}", more)
    body = format_html_join(
        "",
        _ROW,
        (
            (
                reverse("admin:magiclinks_loginlink_change", args=[link.pk]),
                str(link.pk)[:8],
                link.status,
                link.status,
                link.get_purpose_display() or link.get_kind_display(),
                link.issuer_label or link.issuer_type,
                _when(link.created_at),
                _when(link.expires_at),
                _when(link.used_at),
            )
            for link in rows
        ),
    )
    head = (
        "<thead><tr><th>link</th><th>status</th><th>purpose</th><th>issued by</th>"
        "<th>created</th><th>expires</th><th>used</th></tr></thead>"
    )
    return format_html(
        '<table class="linkgate-recent-links">{}<tbody>{}</tbody></table>{}',
        SafeString(head),
        body,
        more,
    )


def for_account(account) -> SafeString:
    return recent_links_table(LoginLink.objects.filter(account=account), f"account_id={account.pk}")


def for_user(user) -> SafeString:
    return recent_links_table(LoginLink.objects.filter(user=user), urlencode({"q": user.email}))
