"""`update_and_record()`: a conditional change and its audit event in one statement.

The hot paths (consuming a link, activating an account, superseding open links) change a row
only if it is still in the state they read, and must record an event exactly when they do. On
PostgreSQL both are one statement, `WITH changed AS (UPDATE … RETURNING …) INSERT … SELECT …
FROM changed`, one round trip instead of two, and the event cannot exist without its change.
The event is built with audit.recorder.build (the request's context, the metrics counter) and
handed to the sinks listening to its type (audit.recorder.hand_to_sinks), like record()'s.

`update_and_record()` takes the change as a queryset and its values (the ORM compiles the
UPDATE); `record_change()` takes it as a `Change`, an UPDATE its caller wrote once per process,
for the statements every redemption sends: building and compiling the ORM's UPDATEs cost more
CPU than PostgreSQL spends running them (a first sign-in's three: 3.21 → 2.68 ms of CPU in one
process without them; docs/performance.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

from . import recorder
from .inserts import row
from .models import AuditEvent


@dataclass(frozen=True)
class Change:
    """A conditional `UPDATE … SET … WHERE …` (no RETURNING) with its parameters, prepared as
    the database takes them (audit.selects.param)."""

    sql: str
    params: Sequence


def _update_sql(queryset: QuerySet, values: dict) -> Change:
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    return Change(*query.get_compiler(queryset.db).as_sql())


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
    return _combined(
        db,
        _update_sql(queryset, values),
        event,
        tuple(_update_sql(other, other_values) for other, other_values in also),
        from_rows or {},
    )


def record_change(change: Change, event: AuditEvent, *, also: tuple[Change, ...] = ()) -> int:
    """update_and_record for a change written by its caller (see the module docstring): the
    UPDATE and, if it changed a row, `event` and the `also` changes; one statement on
    PostgreSQL. Returns the number of rows updated."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        return _combined(db, change, event, also, {})
    with db.cursor() as cursor:  # SQLite (the zero-setup mode): the same in separate statements
        cursor.execute(change.sql, change.params)
        changed = cursor.rowcount
        for other in also if changed else ():
            cursor.execute(other.sql, other.params)
    event.rows_written = changed
    if changed:
        event.save(force_insert=True)
        recorder.hand_to_sinks([event])
    return changed


def _combined(db, change: Change, event: AuditEvent, also: tuple[Change, ...], from_rows) -> int:
    """The one statement of update_and_record and record_change (PostgreSQL)."""
    returning = ", ".join(db.ops.quote_name(column) for column in from_rows.values())
    params = list(change.params)
    more = ""
    for index, other in enumerate(also):
        # Only when the first UPDATE changed a row (the CTEs share one snapshot).
        more += f", also_{index} AS ({other.sql} AND EXISTS (SELECT 1 FROM changed))"  # noqa: S608
        params += other.params
    insert = row(event)
    per_row = {
        insert.columns.index(event._meta.get_field(a).column): c for a, c in from_rows.items()
    }
    values_sql = ", ".join(
        f"changed.{db.ops.quote_name(per_row[i])}" if i in per_row else "%s"
        for i in range(len(insert.columns))
    )
    insert_params = [p for i, p in enumerate(insert.params) if i not in per_row]
    # Names from the models (quoted), every value a parameter.
    table = db.ops.quote_name(insert.table)
    sql = f"WITH changed AS ({change.sql} RETURNING {returning or 1}){more} INSERT INTO {table} ({insert.column_list()}) SELECT {values_sql} FROM changed"  # noqa: S608, E501
    listening = recorder.listening(event.event)
    if listening:
        sql += f" RETURNING {db.ops.quote_name(event._meta.pk.column)}"  # to hand the event on
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *insert_params])
        changed = cursor.rowcount
        ids = [found[0] for found in cursor.fetchall()] if listening else []
    event.rows_written = changed
    if ids:
        _hand_on(event, ids, per_row=bool(from_rows))
    return changed


def _hand_on(event: AuditEvent, ids: list, *, per_row: bool) -> None:
    """Give the events the statement inserted (`ids`) to the sinks listening to their type."""
    if per_row or len(ids) > 1:
        saved = list(AuditEvent.objects.filter(pk__in=ids).order_by("pk"))
    else:
        event.pk = ids[0]
        saved = [event]
    recorder.hand_to_sinks(saved)


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
        recorder.hand_to_sinks(AuditEvent.objects.using(queryset.db).bulk_create(events))
    return changed
