"""End-user flows of /auth/v1: POST /signup, POST /resend, GET /reauthenticate.

Thin: each view counts its limits (per IP before the body is read, so malformed bodies count
too; per address once the body is valid), validates the body into the flow's typed request
(supabase_api.serializers) and answers what the flow returns. POST /token's password and pkce
grants are in views.sessions.
"""

from django.http import JsonResponse
from rest_framework.request import Request

from .. import limits
from ..flows.errors import PhoneProviderDisabled
from ..flows.reauthenticate import send_nonce
from ..flows.resend import resend
from ..flows.signup import sign_up
from ..representations import session_json, user_json
from ..serializers import ResendSerializer, SignupSerializer
from .base import GoTrueView
from .links import with_redirect


def no_phone(body: dict) -> None:
    """This service has no phone provider: a phone-only request gets upstream's answer."""
    if body.get("phone") and not body.get("email"):
        raise PhoneProviderDisabled()


class SignupView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        # Security: counted before the body is parsed (garbage counts too).
        limits.limit(request._request, "signup.ip")
        body = self.body()
        no_phone(body)
        signup = self.validated(SignupSerializer, with_redirect(request, body))
        limits.limit(request._request, "signup.address", signup.email)
        result = sign_up(signup)
        if result.session is not None:
            return JsonResponse(session_json(result.session))
        shown = user_json(result.user)
        if result.obfuscated:
            shown["identities"] = []  # upstream's sanitizeUser: no identity to show
        return JsonResponse(shown)


class ResendView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        limits.limit_email_ip(request._request, "resend")
        req = self.validated(ResendSerializer, with_redirect(request, self.body()))
        if req.email:
            limits.limit_email_address(request._request, "resend", req.email)
        resend(req)
        return JsonResponse({})


class ReauthenticateView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        self.authenticate()
        limits.limit(request._request, "reauthenticate.user", str(self.user.pk))
        send_nonce(self.user)
        return JsonResponse({})
