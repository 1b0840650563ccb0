"""Hand-written SELECTs of joined models, turned back into model instances.

For the few lookups every hot request starts with (the Partner API's account with its members,
the browser's link with its person, account and partner), compiling the ORM's select_related
query costs more CPU than running it (0.6 ms against 0.2 ms for the account lookup on the bench
machine, docs/performance.md). Their SQL is written once per process from the models' own
column lists (`columns`), and each row is split back into instances with `Model.from_db`, the
ORM's own constructor for loaded rows, after the fields' database converters (JSON), exactly as
a queryset would build them.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model


@cache
def _fields(model: type[Model]) -> tuple:
    return tuple(model._meta.concrete_fields)


@cache
def _converters(model: type[Model], vendor: str) -> tuple:
    # What SQLCompiler.get_converters finds for each selected column: the backend's (SQLite
    # parses dates, UUIDs, booleans) and the field's own (JSON).
    out = []
    for index, field in enumerate(_fields(model)):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            out.append((index, col, tuple(found)))
    return tuple(out)


def width(model: type[Model]) -> int:
    """How many columns `columns(model, …)` selects."""
    return len(_fields(model))


def columns(model: type[Model], alias: str | None) -> str:
    """`alias."col", …` for every concrete field of `model`, in the order `instances` reads
    (`"col", …` without an alias: a RETURNING clause, which SQLite lets name no alias)."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(field.column)}" for field in _fields(model))


def param(model: type[Model], field_name: str, value: object) -> object:
    """`value` as the database takes it for `model.field_name` (a UUID is text on SQLite)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


def instances(models: tuple[type[Model], ...], row: tuple) -> list[Model]:
    """Split a row selected with `columns(model, …)` for each of `models`, in that order."""
    out, start = [], 0
    for model in models:
        fields = _fields(model)
        values = list(row[start : start + len(fields)])
        start += len(fields)
        for index, col, converters in _converters(model, connection.vendor):
            for converter in converters:
                values[index] = converter(values[index], col, connection)
        out.append(model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values))
    return out
