"""Request-level middleware: a body size guard, a fault barrier, and the null-Origin fix for CSRF.

- `BodySizeLimitMiddleware` refuses bodies over `DATA_UPLOAD_MAX_MEMORY_SIZE` with 413 before any
  view reads them. Django enforces that limit only in `request.body`/`request.POST`; Django REST
  framework's parsers read the raw stream and bypass it, so the guard is needed for the APIs.
- `FaultBarrierMiddleware` turns an unavailable dependency (the rate-limit store, Redis, a lost
  database connection) that escapes a view into 503 with `Retry-After`: JSON in the API's own
  format under each registered API's prefix, a plain HTML page elsewhere (config.http_errors).
  The APIs map these errors in their own exception handlers too; this catches whatever they do
  not (non-DRF views). `config.http_errors.server_error` checks for them as well, so a fault
  raised in another middleware is still a 503, never a 500 page.
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
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from config.http_errors import too_large_response, unavailable_response

_CHUNK = 64 * 1024


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
