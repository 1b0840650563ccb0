"""`record()`: the one way events enter the audit log.

Services call it inside the transaction that makes the change, so an event exists if and only if
its change was committed.
"""

from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

from . import context
from .actors import Actor
from .inserts import row
from .models import AuditEvent


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
    return audit_event


def update_and_record(
    queryset: QuerySet,
    values: dict,
    event: AuditEvent,
    *,
    also: tuple[tuple[str, list], ...] = (),
) -> int:
    """`queryset.update(**values)` and, if it changed a row, insert `event`: one statement
    (`WITH changed AS (UPDATE … RETURNING 1) INSERT … SELECT … FROM changed`), so a
    conditional change and its audit record cost one round trip and stay together. Returns
    the number of rows updated (for the conditional updates of the hot paths: 0 or 1; the event
    is inserted once per updated row).

    `also`: further data-modifying statements (SQL, params) run in the same statement, each
    written to apply only when a row changed (`… AND EXISTS (SELECT 1 FROM changed)`)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    update_sql, update_params = query.get_compiler(queryset.db).as_sql()
    insert = row(event)
    # Names from the models (quoted), every value a parameter.
    table = connections[queryset.db].ops.quote_name(insert.table)
    columns, values = insert.column_list(), insert.values_sql()
    more = "".join(f", also_{i} AS ({sql})" for i, (sql, _) in enumerate(also))
    sql = f"WITH changed AS ({update_sql} RETURNING 1){more} INSERT INTO {table} ({columns}) SELECT {values} FROM changed"  # noqa: S608, E501
    params = [*update_params, *(p for _, ps in also for p in ps), *insert.params]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
