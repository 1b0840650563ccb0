"""The admin action "Email fresh login links to the primary users" for selected accounts.

First POST: a confirmation page with the options. Second POST (confirm=yes): one call of
generate_partner_link per account (each its own transaction, so one refusal does not undo the
others), then a report saying per account what happened. Links are emailed, never displayed.
"""

from dataclasses import dataclass

from django.contrib.admin import ModelAdmin, helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import Account
from audit.actors import Actor

from ..flows.errors import PrimaryUserMissing, UserNotOnAccount
from ..flows.partner_link import PartnerLinkOptions, generate_partner_link
from .forms import BulkLinkForm
from .outcomes import REFUSALS, describe

# One request issues at most this many links, so it finishes well within a proxy timeout.
MAX_ACCOUNTS = 100


@dataclass(frozen=True)
class AccountOutcome:
    account: Account
    outcome: str  # issued, suspended, limited, no user, invalid, protected, unavailable, refused
    detail: str


def _issue_one(account: Account, actor: Actor, options: PartnerLinkOptions) -> AccountOutcome:
    try:
        result = generate_partner_link(account, options, actor=actor)
    except UserNotOnAccount:
        # No user_email is passed, so the service was looking for the primary user.
        return AccountOutcome(account, "no user", PrimaryUserMissing.message)
    except REFUSALS as exc:
        return AccountOutcome(account, *describe(exc))
    detail = (
        f"emailed to {result.user.email}; {result.invalidated_count} earlier link(s) invalidated"
    )
    return AccountOutcome(account, "issued", detail)


def email_links_to_primary_users(
    model_admin: ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> TemplateResponse | None:
    accounts = list(queryset.select_related("partner").order_by("pk")[: MAX_ACCOUNTS + 1])
    if len(accounts) > MAX_ACCOUNTS:
        model_admin.message_user(
            request, f"Select at most {MAX_ACCOUNTS} accounts at a time.", level="error"
        )
        return None
    form = BulkLinkForm(request.POST if "confirm" in request.POST else None)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Email fresh login links to the primary users",
        "accounts": accounts,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": request.POST.get("action", ""),
    }
    if form.is_bound and form.is_valid():
        options = form.link_options()
        actor = Actor.staff(request.user)
        context["outcomes"] = [_issue_one(account, actor, options) for account in accounts]
        context["issued"] = sum(o.outcome == "issued" for o in context["outcomes"])
        return TemplateResponse(request, "admin/linkgate/bulk_report.html", context)
    return TemplateResponse(request, "admin/linkgate/bulk_confirm.html", context)
