"""PUT /user with email changes: accounts' UserView, plus the confirmation link that only
magiclinks can issue (accounts never imports magiclinks)."""

from django.http import JsonResponse
from rest_framework.request import Request

from accounts.gotrue.admin_auth import bearer_token
from accounts.gotrue.session_views import UserView
from accounts.gotrue.sessions import authenticate_access_token
from accounts.gotrue.user_json import user_json

from ..flows.email_links import change_own_email
from .link_views import requested_redirect


class UserWithEmailChangeView(UserView):
    def put(self, request: Request) -> JsonResponse:
        body = self.body()
        email = body.get("email")
        user, session = authenticate_access_token(bearer_token(request))
        if not isinstance(email, str) or email.strip().lower() == user.email:
            return super().put(request)
        changed = change_own_email(user, session, body, requested_redirect(request, body))
        return JsonResponse(user_json(changed))
