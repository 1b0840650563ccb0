"""POST /admin/generate_link and POST /invite (service key or service_role JWT only)."""

from django.http import JsonResponse
from rest_framework.request import Request

from accounts.gotrue.base import GoTrueView
from accounts.gotrue.user_json import user_json

from ..flows.admin_links import create_link, parse_link_request
from ..flows.email_links import invite_user
from ..models import LinkKind


def requested_redirect(request: Request, body: dict) -> object:
    """`redirect_to` from the query (both clients), else the body (auth-js's `redirectTo`)."""
    return (
        request.query_params.get("redirect_to") or body.get("redirect_to") or body.get("redirectTo")
    )


class GenerateLinkView(GoTrueView):
    admin_only = True

    def post(self, request: Request) -> JsonResponse:
        body = self.body()
        link_request = parse_link_request(body, requested_redirect(request, body))
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
        body = self.body()
        link_request = parse_link_request(
            {"email": body.get("email"), "type": LinkKind.INVITE, "data": body.get("data")},
            requested_redirect(request, body),
        )
        return JsonResponse(user_json(invite_user(link_request, actor=self.actor)))
