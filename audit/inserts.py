"""Unsaved model instances as SQL fragments, so that one statement can insert a row, its audit
events and more (`WITH a AS (INSERT …), b AS (INSERT …) INSERT …`).

The ORM sends one INSERT per model (bulk_create: one per model and call); the hot paths
(issuing a link: the link, its audit events and the superseding of earlier links) are one
statement on PostgreSQL when their fragments are joined in CTEs. Values are prepared exactly as
`Model.save()`/`bulk_create` prepare them (`pre_save`, then `get_db_prep_save`), so defaults,
JSON and UUIDs are what the ORM would have written. Signals are not sent (as with bulk_create);
the models inserted this way have no receivers.
"""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField

_AUTO = (AutoField, BigAutoField, SmallAutoField)


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


def row(obj: Model, only: frozenset[str] | None = None) -> Row:
    """The INSERT of `obj` as the ORM would send it (auto primary keys left to the database);
    `only` restricts it to those columns (a statement taking the other values from elsewhere)."""
    fields = _fields(type(obj))
    if only is not None:
        fields = tuple(field for field in fields if field.column in only)
    return Row(
        table=obj._meta.db_table,
        columns=tuple(field.column for field in fields),
        params=[field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields],
    )
