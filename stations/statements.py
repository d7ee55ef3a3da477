"""Statements written once per process, for the few paths where the ORM's per-call work
costs more than the query: the OCPP frames every charger sends all day (MeterValues,
StatusNotification). Each caller builds its SQL from the models' metadata (table and
column names) and caches it; this module runs it and moves values in and out the way the
ORM does (each field's `pre_save`/`get_db_prep_save` going in, its converters coming
back), so what is stored and read is what the ORM would have stored and read.

Why: building the query, compiling it and quoting its parameters into the SQL text took
about half of a MeterValues' CPU in the gateway (docs/benchmarks.md, issue 24). On
PostgreSQL the statements run on a psycopg cursor with server-side binding (parameters
dumped in C and sent beside the SQL); psycopg does not prepare them (Django sets
`prepare_threshold` to None), so they are safe behind a transaction-mode pooler. Errors
reach the caller as Django's, as from any other query; the statements join the caller's
transaction. Only identifiers from the models' metadata, quoted by the backend, are put
into the SQL text (hence the `noqa: S608` where it is assembled); values are always
parameters."""

from collections.abc import Callable, Sequence
from functools import cache

import psycopg
from django.db import connection
from django.db.models import Model


def run(sql: str, params: Sequence, *, fetch: bool = False) -> list | None:
    """Execute `sql` (`%s` placeholders) on the default connection; its rows if `fetch`."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else None
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if fetch else None


def converter(column) -> Callable:
    """What the ORM applies to a value read from `column` (`field.get_col(alias)`)."""
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)

    def convert(value):
        for one in converters:
            value = one(value, column, connection)
        return value

    return convert


def rows_insert(instances: Sequence[Model], *, ids: bool = False) -> None:
    """Insert new instances of one model in one statement; with `ids`, their primary keys
    are read back and set (RETURNING), otherwise left unset."""
    if not instances:
        return
    model = type(instances[0])
    fields = _insert_fields(model)
    params = []
    for instance in instances:
        params.extend(field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields)
    rows = run(_insert_sql(connection.vendor, model, len(instances), ids), params, fetch=ids)
    if ids:
        for instance, (pk,) in zip(instances, rows, strict=True):
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _insert_fields(model: type[Model]) -> tuple:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


@cache
def _insert_sql(vendor: str, model: type[Model], rows: int, ids: bool) -> str:
    fields = _insert_fields(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(field.column) for field in fields)
    returning = f" RETURNING {quote(model._meta.pk.column)}" if ids else ""
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}{returning}"  # noqa: S608
