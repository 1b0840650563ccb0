"""Public endpoints: POST /otp, POST /recover, GET /settings, GET /health.

/otp and /recover answer `{}` whether or not the address has an account, so they cannot be used
to find out who is registered; they are limited per IP (counted before the body is read) and
per address (counted once the body is valid).
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
        # Security: the per-IP limit is counted before the body is parsed (garbage counts too).
        limits.limit_email_ip(request._request, "otp")
        link_request, create_user = self.validated(
            OtpSerializer, with_redirect(request, self.body())
        )
        limits.limit_email_address(request._request, "otp", link_request.email)
        request_magic_link(link_request, create_user=create_user)
        return JsonResponse({})


class RecoverView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        # Security: the per-IP limit is counted before the body is parsed (garbage counts too).
        limits.limit_email_ip(request._request, "recover")
        link_request = self.validated(RecoverSerializer, with_redirect(request, self.body()))
        limits.limit_email_address(request._request, "recover", link_request.email)
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
