"""`record()`: the one way events enter the audit log.

Services call it inside the transaction that makes the change, so an event exists if and only if
its change was committed. Each committed event also moves its Prometheus counter, if it has
one (config.metrics.record_event).

Event sinks: an app above audit (webhooks) registers a callable with `add_sink()` in its
AppConfig.ready(); `record()` calls every sink with the saved event, still inside the caller's
transaction, so what a sink writes commits or rolls back with the event. audit never imports the
apps that listen. A sink must be cheap for events it does not care about (see webhooks.sink).
Events written in bulk from `build()` are not passed to sinks.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

from config.metrics import record_event

from . import context
from .actors import Actor
from .models import AuditEvent

EventSink = Callable[[AuditEvent], None]
_sinks: list[EventSink] = []


def add_sink(sink: EventSink) -> None:
    """Call `sink(event)` after every `record()`; registering the same callable twice is a no-op."""
    if sink not in _sinks:
        _sinks.append(sink)


def build(
    event: str,
    *,
    actor: Actor,
    partner: Any = None,
    account: Any = None,
    user: Any = None,
    link: Any = None,
    details: dict | None = None,
) -> AuditEvent:
    """An unsaved event carrying the current request's context (for bulk inserts)."""
    request = context.current()
    # The link and email counters of /metrics move once the event is committed (in memory: no
    # SQL, no Redis), so they count what the audit log holds.
    transaction.on_commit(partial(record_event, event, details or {}))
    return AuditEvent(
        event=event,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label[:255],
        partner_id=getattr(partner, "pk", partner),
        account_id=getattr(account, "pk", account),
        user_id=getattr(user, "pk", user),
        user_email=getattr(user, "email", "") or "",
        link_id=getattr(link, "pk", link),
        ip_address=request.ip_address,
        user_agent=request.user_agent,
        request_id=request.request_id,
        details=details or {},
    )


def record(event: str, *, actor: Actor, **refs: Any) -> AuditEvent:
    """Write one event now. Call it inside the transaction of the change it describes.

    Keyword arguments: partner, account, user, link (objects or primary keys) and details.
    """
    audit_event = build(event, actor=actor, **refs)
    audit_event.save(force_insert=True)
    for sink in _sinks:
        sink(audit_event)
    return audit_event
