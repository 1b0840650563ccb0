"""The signed-in user's endpoints: POST /token (refresh_token, password, pkce), GET/PUT /user,
POST /logout.

Each checks the user's access token once (GoTrueView.authenticate); PUT /user reads its body
first, so a malformed body is a 400 before the token is looked at, as before.
"""

from django.http import HttpResponse, JsonResponse
from rest_framework.request import Request

from .. import limits, sessions
from ..errors import GoTrueError
from ..flows import pkce
from ..flows.own_user import update_own_user
from ..flows.password import PasswordSignIn, sign_in_with_password
from ..representations import session_json, user_json
from ..serializers import (
    LogoutSerializer,
    OwnUserSerializer,
    PasswordGrantSerializer,
    PkceGrantSerializer,
    RefreshSerializer,
)
from .base import GoTrueView
from .end_user import no_phone
from .links import with_redirect

GRANT_TYPES = ("refresh_token", "password", "pkce")


class TokenView(GoTrueView):
    def post(self, request: Request) -> JsonResponse:
        grant_type = request.query_params.get("grant_type")
        if grant_type not in GRANT_TYPES:
            # id_token, web3 and the OAuth grants are not offered (no external providers).
            raise GoTrueError(
                400,
                "validation_failed",
                "unsupported_grant_type: use refresh_token, password or pkce",
            )
        if grant_type == "password":
            # Security: brute-force guards, per IP whether or not the body parses, per address
            # for every address tried, registered or not (a 429 reveals nobody).
            credentials = limits.counted(
                request,
                "password",
                self._password_credentials,
                lambda credentials: credentials.email,
                limits.REQUEST_LIMIT_CODE,
            )
            return JsonResponse(session_json(sign_in_with_password(credentials)))
        body = self.body()
        if grant_type == "refresh_token":
            presented = self.validated(RefreshSerializer, body)
            return JsonResponse(session_json(sessions.refresh_session(presented)))
        auth_code, verifier = self.validated(PkceGrantSerializer, body)
        return JsonResponse(session_json(pkce.exchange(auth_code, verifier)))

    def _password_credentials(self) -> PasswordSignIn:
        body = self.body()
        no_phone(body)
        return self.validated(PasswordGrantSerializer, body)


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
