"""The base class of every Partner API view: key auth, scopes, per-key limits, JSON only, and
the contract's error envelope for every failure, and `Idempotency-Key` on every POST
(.idempotency: the request runs in one transaction with the key's row, opened after the key was
authenticated and the limits counted, so a waiting duplicate holds no other lock).

The exception handler is installed here (get_exception_handler), not in REST_FRAMEWORK, because
the Admin API on the same site answers in Supabase's format.
"""

import contextlib

from django.db import transaction
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.models import Account, PartnerApiKey
from accounts.permissions import HasPartnerScope
from config.parsers import JSONParser
from ratelimits.counting import Deferred, Hit, LimitStoreUnavailable, RateLimitExceeded, count

from . import errors, idempotency, queries
from .authentication import PartnerKeyAndAccountAuthentication

BODY_METHODS = {"POST", "PUT", "PATCH"}


class JsonOnlyNegotiation(BaseContentNegotiation):
    """Always JSON, whatever Accept says: an API client never gets 406 or an HTML page."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class PartnerKeyThrottle(BaseThrottle):
    """Per-key limits (`partner.key.minute`, `partner.key.day`, with the partner's overrides),
    both counted in one round trip (ratelimits.counting). Exceeding one raises
    `RateLimitExceeded` straight through DRF, so the 429 body can say which limit, its window and
    when it resets (DRF's own `Throttled` only carries a wait time); an unreachable store raises
    `LimitStoreUnavailable` (503).

    A view that counts a limit of its own later (the login link's per-account allowance) defers
    them (`defers_key_limits`): its flow counts them first, in the same round trip as its own
    (ratelimits.counting.Deferred), and a request that fails before that counts them on its way
    out (handle_exception), so a client over its key's limit gets the 429 either way."""

    def allow_request(self, request: Request, view) -> bool:
        key = request.auth
        if not isinstance(key, PartnerApiKey):
            return True  # unauthenticated requests never reach here on authenticated views
        partner, identity = key.partner, str(key.pk)
        hits = (
            Hit("partner.key.minute", identity, partner.rate_limit_per_minute),
            Hit("partner.key.day", identity, partner.rate_limit_per_day),
        )
        if view.defers_key_limits(request):
            view.key_limits = Deferred(*hits)
        else:
            count(*hits)
        return True


class PartnerApiView(APIView):
    authentication_classes = [PartnerKeyAndAccountAuthentication]
    permission_classes = [HasPartnerScope]
    throttle_classes = [PartnerKeyThrottle]
    # Bounded nesting depth: a deep body is a 400, never a RecursionError (config.parsers).
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    required_scopes: dict[str, str] = {}

    def get_exception_handler(self):
        return errors.exception_handler

    def defers_key_limits(self, request: Request) -> bool:
        """Whether this request's flow counts the key's limits with its own (see
        PartnerKeyThrottle). Never with Idempotency-Key: that request's claim is written
        before the flow runs, and a refusal must come before it."""
        return False

    def dispatch(self, request, *args, **kwargs):
        self.key_limits = Deferred()
        self._claim: idempotency.Claim | None = None
        self._in_transaction = False
        self._scope = contextlib.ExitStack()
        with self._scope:  # the request's transaction, when initial() opened one
            response = super().dispatch(request, *args, **kwargs)
            if self._claim is not None:
                idempotency.store(self._claim, response)
            elif self._in_transaction and response.status_code >= 400:
                transaction.set_rollback(True)  # a refused request leaves nothing behind
            return response

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        try:
            self.key_limits.settle()  # deferred and not yet counted: the request failed first
        except (RateLimitExceeded, LimitStoreUnavailable) as refusal:
            exc = refusal  # over the key's limit: the 429 (or 503) it would have got up front
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        # A deferring view's flow has taken them on every path that gets here without an
        # exception; should one ever not, they are still spent (the answer is given by now).
        with contextlib.suppress(RateLimitExceeded, LimitStoreUnavailable):
            self.key_limits.settle()
        return super().finalize_response(request, response, *args, **kwargs)

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._check_media_type(request)
        if idempotency.requested(request) and hasattr(self, "post"):
            # One transaction with Idempotency-Key: the key's row commits with the effects.
            self._scope.enter_context(transaction.atomic())
            self._in_transaction = True
            self._claim = idempotency.begin(request, self.key.partner_id)

    def _check_media_type(self, request: Request) -> None:
        if request.method in BODY_METHODS and hasattr(self, request.method.lower()):
            content_type = request.META.get("CONTENT_TYPE", "")
            has_body = request.META.get("CONTENT_LENGTH", "") not in {"", "0"} or (
                "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            )
            # An empty POST (revoke, a link with every default) has nothing to parse, whatever
            # type a client or WSGI server filled in; any body must be declared JSON, so a form
            # post from a browser can never be mistaken for an API call.
            if has_body and not _is_json(content_type):
                raise errors.ApiError(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "Send the request body as JSON with Content-Type: application/json.",
                )

    @property
    def key(self) -> PartnerApiKey:
        return self.request.auth

    def json_body(self) -> dict:
        """The parsed body, which must be a JSON object (an empty body counts as {})."""
        data = self.request.data
        if not isinstance(data, dict):
            raise errors.invalid_json()
        return data

    def query(self, serializer_class: type[Serializer]) -> dict:
        """Validated query parameters. A plain dict, so an empty value (`?status=`) is an
        error rather than silently ignored."""
        query = serializer_class(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return query.validated_data

    def account(self, account_id: int) -> Account:
        """The partner's account (404 otherwise): the one the authentication read with the key
        (authentication.py), else looked up now."""
        loaded = getattr(self.request._request, "partner_account", None)
        if loaded is not None and loaded.account_id == account_id:
            account = loaded.account
        else:
            account = queries.partner_account(self.key.partner, account_id)
        if account is None:
            raise errors.account_not_found()
        return account
