"""The base class of every Admin API view: JSON in and out, GoTrue error bodies, one token check.

Authentication is not DRF's: the Admin API has its own rules and error codes
(supabase_api.auth), checked once per request in `initial()`, after the method check so that an
unsupported method is a 405 for everyone: `admin_only` views take a service key or service_role
JWT (`self.actor`); the user endpoints call `authenticate()` once for the user's access token
(`self.user`, `self.session`).
Request bodies are validated by the serializers (`self.validated`); flows raise FlowErrors,
which `supabase_api.errors.exception_handler` maps to GoTrue's format. CORS headers are added
by django-cors-headers for every /auth/v1 response (settings: CORS_URLS_REGEX).
"""

from typing import Any

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from audit.actors import Actor
from config.parsers import JSONParser

from ..auth import authenticate_user, authorise_admin
from ..errors import GoTrueError, exception_handler
from ..storable import storable


class AlwaysJson(DefaultContentNegotiation):
    """GoTrue answers JSON whatever the Accept header says; so do we (never a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class GoTrueView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    # Bounded nesting depth: a deep body is a 400, never a RecursionError (config.parsers).
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJson
    admin_only = False

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        # An OPTIONS request carries no credentials (a CORS preflight is answered by
        # django-cors-headers before it gets here; a plain OPTIONS gets DRF's description).
        if request.method == "OPTIONS":
            return
        if self.admin_only:
            self.actor: Actor = authorise_admin(request)

    def authenticate(self) -> None:
        """The one access-token check of a user endpoint: sets self.user and self.session.

        Called by the view where GoTrue checks it (after the body has been read, so a
        malformed body is a 400 first)."""
        self.user, self.session = authenticate_user(self.request)

    def body(self) -> dict:
        """The JSON body as an object ({} when empty); 400 bad_json for any other JSON value."""
        data = self.request.data  # {} when there is no body at all
        if not isinstance(data, dict):
            raise GoTrueError(400, "bad_json", "The request body must be a JSON object")
        if not storable(data):
            raise GoTrueError(
                400,
                "bad_json",
                "The request body contains NUL characters or unpaired surrogates",
            )
        return data

    def validated(self, serializer_class: type, data: Any, **context: Any) -> Any:
        """The typed value `serializer_class` makes of `data` (supabase_api.serializers); its
        first error is raised as DRF's ValidationError, answered 400 validation_failed."""
        return serializer_class(data=data, context=context).run_validation(data)
