"""POST /admin/generate_link and POST /invite (service key or service_role JWT only)."""

from django.http import JsonResponse
from rest_framework.request import Request

from ..flows.admin_links import create_link
from ..flows.email_links import invite_user
from ..representations import user_json
from ..serializers import InviteSerializer, LinkSerializer, requested_redirect
from .base import GoTrueView


def with_redirect(request: Request, body: dict) -> dict:
    """The body with the requested redirect (query or body) as its `redirect_to`."""
    return {**body, "redirect_to": requested_redirect(request.query_params, body)}


class GenerateLinkView(GoTrueView):
    admin_only = True

    def post(self, request: Request) -> JsonResponse:
        link_request = self.validated(LinkSerializer, with_redirect(request, self.body()))
        generated = create_link(link_request, actor=self.actor)
        return JsonResponse(
            {
                **user_json(generated.user),
                "action_link": generated.action_link,
                "email_otp": generated.issued.otp,
                "hashed_token": generated.issued.hashed_token,
                "verification_type": generated.verification_type,
                "redirect_to": generated.redirect_to,
            }
        )


class InviteView(GoTrueView):
    admin_only = True

    def post(self, request: Request) -> JsonResponse:
        link_request = self.validated(InviteSerializer, with_redirect(request, self.body()))
        return JsonResponse(user_json(invite_user(link_request, actor=self.actor)))
