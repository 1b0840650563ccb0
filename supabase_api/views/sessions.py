"""The signed-in user's endpoints: POST /token (refresh), GET/PUT /user, POST /logout.

Each checks the user's access token once (GoTrueView.authenticate); PUT /user reads its body
first, so a malformed body is a 400 before the token is looked at, as before.
"""

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from .. import sessions
from ..errors import GoTrueError
from ..flows.own_user import update_own_user
from ..representations import session_json, user_json
from ..serializers import LogoutSerializer, OwnUserSerializer, RefreshSerializer
from .base import GoTrueView
from .links import with_redirect


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
        presented = self.validated(RefreshSerializer, self.body())
        return JsonResponse(session_json(sessions.refresh_session(presented)))


class UserView(GoTrueView):
    def get(self, request: Request) -> JsonResponse:
        self.authenticate()
        return JsonResponse(user_json(self.user))

    def put(self, request: Request) -> JsonResponse:
        body = self.body()
        self.authenticate()
        changes = self.validated(OwnUserSerializer, with_redirect(request, body), user=self.user)
        return JsonResponse(user_json(update_own_user(self.user, self.session, changes)))


class LogoutView(GoTrueView):
    def post(self, request: Request) -> HttpResponse:
        self.authenticate()
        scope = self.validated(LogoutSerializer, request.query_params)
        sessions.logout(self.user, self.session, scope=scope)
        return HttpResponse(status=204)
