"""Captures each request's IP, user agent and request id for the audit log.

The IP is `audit.client_ip.client_ip`: the peer, or the client behind trusted proxies."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context
from .client_ip import client_ip

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.activate(
            context.RequestContext(
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:512],
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response
