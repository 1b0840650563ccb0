"""Public endpoints: POST /otp, POST /recover, GET /settings, GET /health.

/otp and /recover answer `{}` whether or not the address has an account, so they cannot be used
to find out who is registered; they are limited per IP (counted whether or not the body is
valid) and per address (counted once the body is valid), both in one round trip.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from rest_framework.request import Request

from .. import limits
from ..flows.email_links import request_magic_link, request_recovery
from ..serializers import OtpSerializer, RecoverSerializer
from .base import GoTrueView
from .links import with_redirect


class OtpView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        link_request, create_user = limits.counted(
            request,
            "otp",
            lambda: self.validated(OtpSerializer, with_redirect(request, self.body())),
            lambda parsed: parsed[0].email,
        )
        request_magic_link(link_request, create_user=create_user)
        return JsonResponse({})


class RecoverView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        link_request = limits.counted(
            request,
            "recover",
            lambda: self.validated(RecoverSerializer, with_redirect(request, self.body())),
            lambda parsed: parsed.email,
        )
        request_recovery(link_request)
        return JsonResponse({})


class SettingsView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        return JsonResponse(
            {
                "external": {"email": True, "phone": False, "anonymous_users": False},
                "disable_signup": settings.DISABLE_SIGNUP,
                "mailer_autoconfirm": settings.MAILER_AUTOCONFIRM,
                "phone_autoconfirm": False,
                "sms_provider": "",
                "saml_enabled": False,
            }
        )


class HealthView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        # A lost database raises here and is answered 503 by the fault barrier.
        connection.ensure_connection()
        return JsonResponse(
            {
                "version": "linkgate",
                "name": "GoTrue",
                "description": "Linkgate: a Supabase Auth compatible login-link service",
            }
        )
