"""Every error response given outside a view's own error handling: 404, 405, 413, 500, 503 and
the CSRF refusal. JSON in the format of the API a request is addressed to, HTML elsewhere, so an
API client never receives an HTML page or a traceback.

Each HTTP API registers itself once, from its app config's `ready()`: the URL prefix it is mounted
at and a renderer that turns a `Failure` into a response in its own wire format
(`register_api`). config therefore imports no app; the apps import this module. Django reaches it
through `handler404`/`handler500` (config.urls) and `CSRF_FAILURE_VIEW` (settings); the
middleware (config.middleware) through `too_large_response` and `unavailable_response`.

An unreachable dependency is any `DependencyUnavailable` (apps subclass it, e.g. the rate-limit
store's `LimitStoreUnavailable`), a Redis error or a lost database connection: 503 with
`Retry-After`, because it comes back by itself and the client should retry shortly.
"""

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template import loader
from django.views import csrf, defaults
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DependencyUnavailable(Exception):
    """Raised (as a subclass) by an app whose backing service is unreachable: answered as 503."""


UNAVAILABLE = (DependencyUnavailable, RedisError, OperationalError, InterfaceError)


class Failure(StrEnum):
    """What went wrong, independently of any API's wording; each API names its own code."""

    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    SERVER_ERROR = "server_error"
    SERVICE_UNAVAILABLE = "service_unavailable"


@dataclass(frozen=True)
class HttpFailure:
    kind: Failure
    status: int
    message: str
    details: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


Renderer = Callable[[HttpRequest, HttpFailure], HttpResponse]


@dataclass(frozen=True)
class HttpApi:
    prefix: str  # the path it is mounted at, with both slashes: "/v1beta/"
    render: Renderer
    # Every view of the API is exempt from CSRF (keys, not cookies, authenticate it), so a CSRF
    # refusal under its prefix means that no endpoint matched: answer its 404.
    csrf_exempt: bool = False

    def serves(self, path: str) -> bool:
        return path.startswith(self.prefix) or path == self.prefix.rstrip("/")


_apis: dict[str, HttpApi] = {}


def register_api(prefix: str, render: Renderer, *, csrf_exempt: bool = False) -> None:
    """Declare an API mounted at `prefix` ("/v1beta/") and how its errors look."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError("an API prefix starts and ends with a slash")
    _apis[prefix] = HttpApi(prefix, render, csrf_exempt)


def api_for(request: HttpRequest) -> HttpApi | None:
    """The registered API that `request` is addressed to (the longest matching prefix)."""
    matches = [api for api in _apis.values() if api.serves(request.path)]
    return max(matches, key=lambda api: len(api.prefix)) if matches else None


def _api_response(request: HttpRequest, failure: HttpFailure) -> HttpResponse | None:
    api = api_for(request)
    return api.render(request, failure) if api is not None else None


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404."""
    failure = HttpFailure(Failure.NOT_FOUND, 404, "No such endpoint.")
    return _api_response(request, failure) or defaults.page_not_found(request, exception)


def method_not_allowed(request: HttpRequest, permitted: list[str]) -> HttpResponse:
    """405 with `Allow`, for a view outside DRF (DRF views answer it in their own handler)."""
    allow = ", ".join(permitted)
    failure = HttpFailure(
        Failure.METHOD_NOT_ALLOWED, 405, "Method not allowed.", headers={"Allow": allow}
    )
    return _api_response(request, failure) or HttpResponseNotAllowed(permitted)


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 in the API's format; plain text elsewhere (browsers never send such bodies)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is larger than the limit of {limit} bytes."
    failure = HttpFailure(Failure.PAYLOAD_TOO_LARGE, 413, message, details={"max_bytes": limit})
    return _api_response(request, failure) or HttpResponse(
        message, status=413, content_type="text/plain"
    )


def unavailable_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """503 with Retry-After when `exc` means a dependency is unreachable; None otherwise."""
    if not isinstance(exc, UNAVAILABLE):
        return None
    # Only the exception's type is logged: driver messages can echo connection strings.
    logger.warning("dependency unavailable on %s: %s", request.path, type(exc).__name__)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = "The service is temporarily unavailable. Please retry shortly."
    failure = HttpFailure(
        Failure.SERVICE_UNAVAILABLE,
        503,
        message,
        details={"retry_after_seconds": RETRY_AFTER_SECONDS},
        headers=headers,
    )
    response = _api_response(request, failure)
    if response is not None:
        return response
    try:
        body = loader.render_to_string("503.html", request=request)
    except Exception:  # no template, or rendering needs the database that just failed
        body = f"<!doctype html><title>Unavailable</title><h1>Unavailable</h1><p>{message}</p>"
    return HttpResponse(body, status=503, headers=headers)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An unreachable dependency raised outside a view (e.g. in a middleware) is a
    503, not a 500."""
    unavailable = unavailable_response(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    failure = HttpFailure(Failure.SERVER_ERROR, 500, "An unexpected error occurred.")
    return _api_response(request, failure) or defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. Under an API whose views are all CSRF-exempt, the refusal means that no
    endpoint matched (e.g. POST to a malformed path): the API's JSON 404, never Django's HTML
    403 page. Elsewhere (the pages, the Admin API's HTML confirmation form) Django's page."""
    api = api_for(request)
    if api is not None and api.csrf_exempt:
        return not_found(request)
    return csrf.csrf_failure(request, reason)
