"""`record()`: the one way events enter the audit log.

Services call it inside the transaction that makes the change, so an event exists if and only if
its change was committed. Each committed event also moves its Prometheus counter, if it has
one (config.metrics.record_event).

Event sinks: an app above audit (webhooks) registers a callable with `add_sink()` in its
AppConfig.ready(), naming the event types it listens to; `record()` and `update_and_record()`
call it with the saved event, still inside the caller's transaction, so what a sink writes
commits or rolls back with the event. audit never imports the apps that listen. Events of other
types cost nothing (the hot paths' combined statements stay one statement). Events written in
bulk from `build()` (BULK_WRITTEN_EVENTS) are not passed to sinks, so `add_sink` refuses those
types: a sink would silently miss some of them.
"""

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

from config.metrics import record_event

from . import context
from .actors import Actor
from .inserts import row
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
) -> AuditEvent:
    """An unsaved event carrying the current request's context (for bulk inserts)."""
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
    transaction.on_commit(partial(_count_committed, audit_event))
    return audit_event


def _count_committed(audit_event: AuditEvent) -> None:
    for _ in range(audit_event.rows_written):
        record_event(audit_event.event, audit_event.details)


def record(event: str, *, actor: Actor, **refs: Any) -> AuditEvent:
    """Write one event now. Call it inside the transaction of the change it describes.

    Keyword arguments: partner, account, user, link (objects or primary keys) and details.
    """
    audit_event = build(event, actor=actor, **refs)
    audit_event.save(force_insert=True)
    for sink in _listeners(audit_event.event):
        sink(audit_event)
    return audit_event


def _update_sql(queryset: QuerySet, values: dict) -> tuple[str, tuple]:
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    return query.get_compiler(queryset.db).as_sql()


def update_and_record(
    queryset: QuerySet,
    values: dict,
    event: AuditEvent,
    *,
    also: tuple[tuple[QuerySet, dict], ...] = (),
    from_rows: dict[str, str] | None = None,
) -> int:
    """`queryset.update(**values)` and, if it changed a row, insert `event`: one statement
    (`WITH changed AS (UPDATE … RETURNING 1) INSERT … SELECT … FROM changed`), so a
    conditional change and its audit record cost one round trip and stay together. Returns
    the number of rows updated (for the conditional updates of the hot paths: 0 or 1; the event
    is inserted once per updated row).

    `also`: further updates (a filtered queryset, values), run in the same statement and only
    when a row changed. Databases without data-modifying CTEs (SQLite, the zero-setup mode)
    get the same effect in separate statements.

    `from_rows`: event attribute → column of the updated row (RETURNING), for events that name
    each updated row (one event per row, e.g. {"link_id": "id", "account_id": "account_id"});
    the primary key must be among the columns."""
    db = connections[queryset.db]
    if db.vendor != "postgresql":
        return _update_and_record_portably(queryset, values, event, also, from_rows or {})
    returning = ", ".join(db.ops.quote_name(column) for column in (from_rows or {}).values())
    update_sql, params = _update_sql(queryset, values)
    params = list(params)
    more = ""
    for index, (other, other_values) in enumerate(also):
        other_sql, other_params = _update_sql(other, other_values)
        # Only when the first UPDATE changed a row (the CTEs share one snapshot).
        more += f", also_{index} AS ({other_sql} AND EXISTS (SELECT 1 FROM changed))"  # noqa: S608
        params += other_params
    insert = row(event)
    per_row = {
        insert.columns.index(event._meta.get_field(a).column): c
        for a, c in (from_rows or {}).items()
    }
    values_sql = ", ".join(
        f"changed.{db.ops.quote_name(per_row[i])}" if i in per_row else "%s"
        for i in range(len(insert.columns))
    )
    insert_params = [p for i, p in enumerate(insert.params) if i not in per_row]
    # Names from the models (quoted), every value a parameter.
    table = db.ops.quote_name(insert.table)
    sql = f"WITH changed AS ({update_sql} RETURNING {returning or 1}){more} INSERT INTO {table} ({insert.column_list()}) SELECT {values_sql} FROM changed"  # noqa: S608, E501
    listeners = _listeners(event.event)
    if listeners:
        sql += f" RETURNING {db.ops.quote_name(event._meta.pk.column)}"  # to hand the event on
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *insert_params])
        changed = cursor.rowcount
        ids = [found[0] for found in cursor.fetchall()] if listeners else []
    event.rows_written = changed
    _hand_on(listeners, event, ids, per_row=bool(from_rows))
    return changed


def _hand_on(listeners: list[EventSink], event: AuditEvent, ids: list, *, per_row: bool) -> None:
    """Give the events update_and_record inserted to the sinks listening to their type."""
    if not listeners or not ids:
        return
    if per_row or len(ids) > 1:
        saved = list(AuditEvent.objects.filter(pk__in=ids).order_by("pk"))
    else:
        event.pk = ids[0]
        saved = [event]
    for audit_event in saved:
        for sink in listeners:
            sink(audit_event)


def _update_and_record_portably(queryset, values, event, also, from_rows) -> int:
    """update_and_record in separate statements (SQLite)."""
    if from_rows:
        pk = queryset.model._meta.pk.attname
        rows = list(queryset.values(*from_rows.values()))
        changed = queryset.model.objects.filter(pk__in=[r[pk] for r in rows]).update(**values)
    else:
        rows, changed = [], queryset.update(**values)
    event.rows_written = changed
    if changed:
        for other, other_values in also:
            other.update(**other_values)
        events = []
        for index in range(changed):
            copy_ = AuditEvent(
                **{f.attname: getattr(event, f.attname) for f in event._meta.concrete_fields}
            )
            copy_.pk = None
            for attribute, column in from_rows.items():
                setattr(copy_, attribute, rows[index][column])
            events.append(copy_)
        saved = AuditEvent.objects.using(queryset.db).bulk_create(events)
        listeners = _listeners(event.event)
        for audit_event in saved:
            for sink in listeners:
                sink(audit_event)
    return changed
