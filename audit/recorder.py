"""`record()`: the one way events enter the audit log.

Services call it inside the transaction that makes the change, so an event exists if and only if
its change was committed. Each committed event also moves its Prometheus counter, if it has
one (config.metrics.record_event).

Event sinks: an app above audit (webhooks) registers a callable with `add_sink()` in its
AppConfig.ready(), naming the event types it listens to; `record()` and
audit.combined.update_and_record() call it with the saved event, still inside the caller's
transaction, so what a sink writes commits or rolls back with the event. audit never imports
the apps that listen. Events of other types cost nothing (the hot paths' combined statements
stay one statement). Events written in bulk from `build()` (BULK_WRITTEN_EVENTS) are not passed
to sinks, so `add_sink` refuses those types: a sink would silently miss some of them.
"""

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import transaction

from config.metrics import record_event

from . import context
from .actors import Actor
from .models import AuditEvent

EventSink = Callable[[AuditEvent], None]
_sinks: dict[EventSink, frozenset[str]] = {}
# Event types that some path writes in bulk (build() + one INSERT of many rows, bypassing the
# sinks): issue's combined statement, set_password's per-account events, redeem's failures.
BULK_WRITTEN_EVENTS = frozenset(
    {
        "login_link.generated",
        "login_link.invalidated",
        "credentials.set",
        "login_link.redeem_failed",
        "login_link.otp_disabled",
    }
)


def add_sink(sink: EventSink, events: Iterable[str]) -> None:
    """Call `sink(event)` for every saved event whose type is in `events`; registering the same
    callable again replaces its types."""
    types = frozenset(events)
    if types & BULK_WRITTEN_EVENTS:
        raise ValueError(
            f"{sorted(types & BULK_WRITTEN_EVENTS)} are written in bulk, without sinks"
        )
    _sinks[sink] = types


def _listeners(event_type: str) -> list[EventSink]:
    return [sink for sink, types in _sinks.items() if event_type in types]


def build(
    event: str,
    *,
    actor: Actor,
    partner: Any = None,
    account: Any = None,
    user: Any = None,
    link: Any = None,
    details: dict | None = None,
    counted: bool = True,
) -> AuditEvent:
    """An unsaved event carrying the current request's context (for bulk inserts).

    `counted=False`: the caller calls count_when_committed once it has written the event. For a
    statement outside any transaction: on_commit would then count the event at once, before
    the statement ran, and also when it ends up writing nothing."""
    request = context.current()
    audit_event = AuditEvent(
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
    # The link and email counters of /metrics move once the event is committed (in memory: no
    # SQL, no Redis), so they count what the audit log holds. An event is assumed written once;
    # update_and_record, whose INSERT depends on its UPDATE, sets how many rows it wrote (0
    # when the conditional change did not happen, e.g. a link already used).
    audit_event.rows_written = 1
    if counted:
        count_when_committed(audit_event)
    return audit_event


def count_when_committed(audit_event: AuditEvent) -> None:
    """Move /metrics' counters for `audit_event` (its `rows_written` copies) when the current
    transaction commits, or now outside any."""
    transaction.on_commit(partial(_count_committed, audit_event))


def _count_committed(audit_event: AuditEvent) -> None:
    for _ in range(audit_event.rows_written):
        record_event(audit_event.event, audit_event.details)


def record(event: str, *, actor: Actor, **refs: Any) -> AuditEvent:
    """Write one event now. Call it inside the transaction of the change it describes.

    Keyword arguments: partner, account, user, link (objects or primary keys) and details.
    """
    audit_event = build(event, actor=actor, **refs)
    audit_event.save(force_insert=True)
    hand_to_sinks([audit_event])
    return audit_event


def listening(event_type: str) -> bool:
    """Whether a sink listens to `event_type` (audit.combined asks before it reads ids back)."""
    return bool(_listeners(event_type))


def hand_to_sinks(events: list[AuditEvent]) -> None:
    """Give saved events to the sinks listening to their types (record, audit.combined)."""
    for audit_event in events:
        for sink in _listeners(audit_event.event):
            sink(audit_event)
