"""The signed-in user's endpoints: POST /token (refresh), GET/PUT /user, POST /logout."""

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from . import sessions
from .admin_auth import bearer_token
from .base import GoTrueView
from .errors import GoTrueError
from .profile import update_own_user
from .session_json import session_json
from .user_json import user_json


class TokenView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        grant_type = request.query_params.get("grant_type")
        if grant_type != "refresh_token":
            # Passwords, PKCE and id tokens are not offered: sign-in is by link or code only.
            raise GoTrueError(
                400,
                "validation_failed",
                "unsupported_grant_type: only grant_type=refresh_token is supported",
            )
        issued = sessions.refresh_session(self.body().get("refresh_token"))
        return JsonResponse(session_json(issued))


class UserView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        user, _ = sessions.authenticate_access_token(bearer_token(request))
        return JsonResponse(user_json(user))

    def put(self, request: Request) -> JsonResponse:
        user, session = sessions.authenticate_access_token(bearer_token(request))
        return JsonResponse(user_json(update_own_user(user, session, self.body())))


class LogoutView(GoTrueView):
    def post(self, request: Request) -> HttpResponse:
        user, session = sessions.authenticate_access_token(bearer_token(request))
        sessions.logout(user, session, scope=request.query_params.get("scope", "global"))
        return HttpResponse(status=204)
