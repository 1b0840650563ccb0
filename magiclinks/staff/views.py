"""The "Generate login link" admin view, opened from an Account or a User change page.

Thin: parse the form, call magiclinks.flows.partner_link.generate_partner_link (the Partner API's
own service) with the staff user as actor, render. The plaintext link exists only in the HTML of
the POST response: it is not put in the session, the messages framework or a log.

Staff members and superusers on an account are not offered (accounts.protection), and the
service refuses them anyway: a support agent's `generate_login_link` must never become a sign-in
as somebody with wider permissions.
"""

from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import Membership
from accounts.protection import protected_q
from audit.actors import Actor

from ..flows.errors import InvalidRedirect
from ..flows.partner_link import generate_partner_link
from .forms import GenerateLinkForm
from .outcomes import REFUSALS, describe

GENERATE_PERMISSION = "accounts.generate_login_link"


def can_generate(request: HttpRequest) -> bool:
    # A custom permission, not is_staff: minting a sign-in for somebody is a privilege of its own.
    return request.user.is_active and request.user.has_perm(GENERATE_PERMISSION)


def _memberships(opened_from: str, obj) -> QuerySet:
    # Security: a protected member is not a valid choice, so posting their membership id is a
    # form error before the service is even asked.
    memberships = Membership.objects.select_related("user", "account", "account__partner").exclude(
        protected_q("user__")
    )
    if opened_from == "account":
        return memberships.filter(account=obj).order_by("created_at")
    return memberships.filter(user=obj).order_by("created_at")


def generate_link_view(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str, *, opened_from: str
) -> HttpResponse:
    """GET: the form. POST: generate, then show the link once (or the form with the refusal)."""
    if not can_generate(request):
        raise PermissionDenied
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404
    memberships = _memberships(opened_from, obj)
    form = GenerateLinkForm(
        request.POST if request.method == "POST" else None,
        memberships=memberships,
        opened_from=opened_from,
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "title": "Generate login link",
        "form": form,
        "opened_from": opened_from,
        "suspended_accounts": [m.account for m in memberships if m.account.is_suspended],
    }
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        try:
            result = generate_partner_link(
                membership.account, form.link_options(), actor=Actor.staff(request.user)
            )
        except InvalidRedirect as exc:
            form.add_error("redirect_url", exc.message)
        except REFUSALS as exc:
            form.add_error(None, describe(exc)[1])
        else:
            context.update(result=result, membership=membership)
            response = TemplateResponse(request, "admin/linkgate/link_generated.html", context)
            # The only copy of the link is in this page: browsers and proxies must not keep it.
            response["Cache-Control"] = "no-store"
            return response
    return TemplateResponse(request, "admin/linkgate/generate_link.html", context)
