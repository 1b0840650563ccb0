"""Public endpoints: POST /otp, POST /recover, GET /settings, GET /health.

/otp and /recover answer `{}` whether or not the address has an account, so they cannot be used
to find out who is registered; they are limited per IP and per address.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from rest_framework.request import Request

from accounts.gotrue.base import GoTrueView
from accounts.gotrue.emails import parse_email
from accounts.gotrue.errors import validation_failed

from ..flows.admin_links import parse_link_request
from ..flows.email_links import request_magic_link, request_recovery
from ..models import LinkKind
from . import limits
from .link_views import requested_redirect


def _create_user_flag(body: dict) -> bool:
    value = body.get("create_user")
    if value is None:
        return True  # the clients' default: sign a new address up
    if not isinstance(value, bool):
        raise validation_failed("create_user must be true or false")
    return value


class OtpView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        # Security: the per-IP limit is counted before the body is parsed (garbage counts too).
        limits.limit_email_ip(request._request, "otp")
        body = self.body()
        email = parse_email(body.get("email"))
        limits.limit_email_address(request._request, "otp", email)
        link_request = parse_link_request(
            {"email": email, "type": LinkKind.MAGICLINK, "data": body.get("data")},
            requested_redirect(request, body),
        )
        request_magic_link(link_request, create_user=_create_user_flag(body))
        return JsonResponse({})


class RecoverView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        # Security: the per-IP limit is counted before the body is parsed (garbage counts too).
        limits.limit_email_ip(request._request, "recover")
        body = self.body()
        email = parse_email(body.get("email"))
        limits.limit_email_address(request._request, "recover", email)
        link_request = parse_link_request(
            {"email": email, "type": LinkKind.RECOVERY}, requested_redirect(request, body)
        )
        request_recovery(link_request)
        return JsonResponse({})


class SettingsView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        return JsonResponse(
            {
                "external": {"email": True, "phone": False, "anonymous_users": False},
                "disable_signup": settings.DISABLE_SIGNUP,
                "mailer_autoconfirm": False,
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
