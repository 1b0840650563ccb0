"""Request-level middleware: a body size guard, a fault barrier, and the null-Origin fix for CSRF.

- `BodySizeLimitMiddleware` refuses bodies over `DATA_UPLOAD_MAX_MEMORY_SIZE` with 413 before any
  view reads them. Django enforces that limit only in `request.body`/`request.POST`; Django REST
  framework's parsers read the raw stream and bypass it, so the guard is needed for the APIs.
- `FaultBarrierMiddleware` turns an unavailable dependency (the rate-limit store, Redis, a lost
  database connection) that escapes a view into 503 with `Retry-After`: JSON in the API's own
  format under /v1beta and /auth/v1, a plain HTML page elsewhere. The APIs map these errors in
  their own exception handlers too; this catches whatever they do not (non-DRF views).
  `config.errors.server_error` calls `unavailable_response` as well, so a fault raised in another
  middleware is still a 503, never a 500 page.
- `SameOriginNullOriginMiddleware` runs before Django's CSRF middleware. Pages whose URL holds a
  link secret are served with `Referrer-Policy: no-referrer`, and under that policy browsers send
  `Origin: null` with the page's own form POSTs (Fetch standard), which Django's CSRF check
  rejects: every "Continue" button would fail in a real browser (the test client never shows
  this). A null Origin is read as our own origin only when the browser also sends
  `Sec-Fetch-Site: same-origin`; browsers set that header themselves, pages cannot forge it, and
  a cross-site or HTTP-to-HTTPS submission is never labelled same-origin. The CSRF token is still
  required in every case.
"""

import io
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from redis.exceptions import RedisError

from accounts.limits import LimitStoreUnavailable
from config.errors import api_error

logger = logging.getLogger(__name__)

# A dependency that comes back by itself: the client should retry shortly, not give up.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (LimitStoreUnavailable, RedisError, OperationalError, InterfaceError)
_CHUNK = 64 * 1024


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 in the API's format; plain text elsewhere (browsers never send such bodies)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is larger than the limit of {limit} bytes."
    response = api_error(
        request,
        413,
        partner_code="PAYLOAD_TOO_LARGE",
        gotrue_code="request_too_large",
        message=message,
        details={"max_bytes": limit},
    )
    return response or HttpResponse(message, status=413, content_type="text/plain")


def unavailable_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """503 with Retry-After when `exc` means a dependency is unreachable; None otherwise."""
    if not isinstance(exc, UNAVAILABLE):
        return None
    # Only the exception's type is logged: driver messages can echo connection strings.
    logger.warning("dependency unavailable on %s: %s", request.path, type(exc).__name__)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = "The service is temporarily unavailable. Please retry shortly."
    response = api_error(
        request,
        503,
        partner_code="SERVICE_UNAVAILABLE",
        gotrue_code="service_unavailable",
        message=message,
        details={"retry_after_seconds": RETRY_AFTER_SECONDS},
        headers=headers,
    )
    if response is not None:
        return response
    try:
        body = loader.render_to_string("503.html", request=request)
    except Exception:  # no template, or rendering needs the database that just failed
        body = f"<!doctype html><title>Unavailable</title><h1>Unavailable</h1><p>{message}</p>"
    return HttpResponse(body, status=503, headers=headers)


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            declared = request.META.get("CONTENT_LENGTH")
            if declared:
                try:
                    too_large = int(declared) > limit
                except ValueError:
                    too_large = False  # the server (gunicorn) rejects malformed lengths itself
                if too_large:
                    return too_large_response(request)
            elif self._is_streamed(request) and not self._buffer_stream(request, limit):
                return too_large_response(request)
        return self.get_response(request)

    @staticmethod
    def _is_streamed(request: HttpRequest) -> bool:
        return "chunked" in request.headers.get("Transfer-Encoding", "").lower()

    @staticmethod
    def _buffer_stream(request: HttpRequest, limit: int) -> bool:
        # A streamed body declares no length: read at most limit + 1 bytes of it, and hand the
        # views a normal, length-bounded stream so they can parse it.
        raw = request.META.get("wsgi.input")
        if raw is None:
            return True
        data = bytearray()
        while len(data) <= limit:
            chunk = raw.read(min(_CHUNK, limit + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        if len(data) > limit:
            return False
        request.META["CONTENT_LENGTH"] = str(len(data))
        request._stream = LimitedStream(io.BytesIO(bytes(data)), len(data))
        return True


class FaultBarrierMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            # A view read the body through Django's own limit check (e.g. a form POST).
            return too_large_response(request)
        return unavailable_response(request, exception)


class SameOriginNullOriginMiddleware:
    """See the module docstring: vouch for `Origin: null` on same-origin fetches, before CSRF."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.headers.get("Sec-Fetch-Site") == "same-origin"
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
