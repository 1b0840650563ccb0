"""Unsaved model instances as SQL fragments, so that one statement can insert a row, its audit
events and more (`WITH a AS (INSERT …), b AS (INSERT …) INSERT …`).

The ORM sends one INSERT per model (bulk_create: one per model and call); the hot paths
(issuing a link: the link, its audit events and the superseding of earlier links) are one
statement on PostgreSQL when their fragments are joined in CTEs. Values are prepared exactly as
`Model.save()`/`bulk_create` prepare them (`pre_save`, then `get_db_prep_save`), so defaults,
JSON and UUIDs are what the ORM would have written. Signals are not sent (as with bulk_create);
the models inserted this way have no receivers.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection, models
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField

_AUTO = (AutoField, BigAutoField, SmallAutoField)

# On PostgreSQL these field classes hand psycopg a value of this type unchanged
# (get_db_prep_save is the identity for it: psycopg adapts str, bool, aware datetimes and UUIDs
# itself), so row() takes it as it is. Exact classes only: a subclass may prepare its values.
# Integers (Django wraps them in psycopg's Int2/Int4/Int8), JSON, IP addresses and anything else
# go through get_db_prep_save (tests/test_audit_inserts.py compares every column). Preparing every
# value the ORM's way was 0.59 ms of an issue's three rows in the cProfile profile (0.07 ms now,
# measured without the profiler).
_PASSED_THROUGH = {
    models.CharField: str,
    models.EmailField: str,
    models.URLField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.DateTimeField: datetime,
    models.UUIDField: uuid.UUID,
}


@dataclass(frozen=True)
class Row:
    """`INSERT INTO {table} ({columns}) VALUES ({placeholders})` with `params`."""

    table: str
    columns: tuple[str, ...]
    params: list

    def column_list(self) -> str:
        return _column_list(self.table, self.columns)

    def values_sql(self) -> str:
        return ", ".join(["%s"] * len(self.columns))

    def insert_sql(self) -> str:
        return _insert_sql(self.table, self.columns)


@cache
def _column_list(table: str, columns: tuple[str, ...]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


@cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    # Table and column names come from the model, quoted; every value is a parameter.
    values = ", ".join(["%s"] * len(columns))
    quoted = connection.ops.quote_name(table)
    return f"INSERT INTO {quoted} ({_column_list(table, columns)}) VALUES ({values})"  # noqa: S608


@cache
def _fields(model: type[Model]) -> tuple:
    """The columns an INSERT names, once per model (auto primary keys left to the database)."""
    return tuple(
        field
        for field in model._meta.local_concrete_fields
        if not isinstance(field, _AUTO) and not getattr(field, "generated", False)
    )


def _passed_through(field) -> type | None:
    """The type of value `field` hands to psycopg unchanged, or None (see _PASSED_THROUGH)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return None  # pre_save sets the value
    target = field.target_field if field.is_relation else field
    return _PASSED_THROUGH.get(type(target))


@cache
def _plan(model: type[Model], only: frozenset[str] | None, vendor: str) -> tuple:
    """(column, attname, passed-through type or None, field) per column, once per model."""
    fields = _fields(model)
    if only is not None:
        fields = tuple(field for field in fields if field.column in only)
    return tuple(
        (
            field.column,
            field.attname,
            _passed_through(field) if vendor == "postgresql" else None,
            field,
        )
        for field in fields
    )


def _is(kind: type | None, value: object) -> bool:
    if kind is None:
        return False
    if value is None:
        return True
    if kind is datetime:
        return type(value) is datetime and value.tzinfo is not None  # naive: the ORM warns
    return isinstance(value, kind)


def row(obj: Model, only: frozenset[str] | None = None) -> Row:
    """The INSERT of `obj` as the ORM would send it (auto primary keys left to the database);
    `only` restricts it to those columns (a statement taking the other values from elsewhere)."""
    plan = _plan(type(obj), only, connection.vendor)
    params = []
    for _column, attname, kind, field in plan:
        value = getattr(obj, attname)
        if not _is(kind, value):
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        params.append(value)
    return Row(
        table=obj._meta.db_table,
        columns=tuple(column for column, *_ in plan),
        params=params,
    )
