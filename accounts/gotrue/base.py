"""The base class of every Admin API view: JSON in and out, GoTrue error bodies, admin guard.

Authentication is not DRF's: the Admin API has its own rules and error codes
(`accounts.gotrue.admin_auth`), checked in `initial()` for views with `admin_only = True`,
after the method check so that an unsupported method is a 405 for everyone.
"""

from typing import Any

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from audit.actors import Actor
from config.parsers import JSONParser

from .admin_auth import authorise_admin
from .cors import add_cors_headers
from .errors import GoTrueError, exception_handler
from .storable import storable


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
        # A CORS preflight carries no credentials; it is answered without them (see cors.py).
        if self.admin_only and request.method != "OPTIONS":
            self.actor: Actor = authorise_admin(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_cors_headers(response)
        return response

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
