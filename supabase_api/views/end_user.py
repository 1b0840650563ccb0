"""End-user flows of /auth/v1: POST /signup, POST /resend, GET /reauthenticate.

Thin: each view counts its limits (per IP whether or not the body parses, so malformed bodies
count too; per address once the body is valid; one round trip, supabase_api.limits), validates
the body into the flow's typed request (supabase_api.serializers) and answers what the flow
returns. POST /token's password and pkce
grants are in views.sessions.
"""

from django.http import JsonResponse
from rest_framework.request import Request

from .. import limits
from ..flows.errors import PhoneProviderDisabled
from ..flows.reauthenticate import send_nonce
from ..flows.resend import resend
from ..flows.signup import SignupRequest, sign_up
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
        def parse() -> SignupRequest:
            body = self.body()
            no_phone(body)
            return self.validated(SignupSerializer, with_redirect(request, body))

        # Security: per IP whether or not the body parses, per address once it does.
        signup = limits.counted(request, "signup", parse, lambda signup: signup.email)
        result = sign_up(signup)
        if result.session is not None:
            return JsonResponse(session_json(result.session))
        shown = user_json(result.user)
        if result.obfuscated:
            shown["identities"] = []  # upstream's sanitizeUser: no identity to show
        return JsonResponse(shown)


class ResendView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        req = limits.counted(
            request,
            "resend",
            lambda: self.validated(ResendSerializer, with_redirect(request, self.body())),
            lambda req: req.email,
        )
        resend(req)
        return JsonResponse({})


class ReauthenticateView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        self.authenticate()
        limits.count_user("auth.reauthenticate.user", str(self.user.pk))
        send_nonce(self.user)
        return JsonResponse({})
