"""The request facts every audit event carries (IP, user agent, request id).

The middleware stores them in a context variable for the duration of a request, so services
can record events without being handed the request. Outside a request (Celery, commands) the
context is empty and events carry no IP.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""


EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("audit_request_context", default=EMPTY)


def current() -> RequestContext:
    return _current.get()


def activate(context: RequestContext):
    """Make `context` current; returns the token to pass to `deactivate`."""
    return _current.set(context)


def deactivate(token) -> None:
    _current.reset(token)
