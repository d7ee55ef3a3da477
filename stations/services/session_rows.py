"""The statements of the hottest frame, MeterValues, on its session: lock and read the
session with its connector's max power, save what moved. Written once per process
(stations/statements.py says why); the samples go in through `statements.rows_insert`."""

from functools import cache

from django.db import connection

from stations import statements
from stations.models import ChargingSession, Connector
from stations.statements import quote

# What a MeterValues frame moves on its session (session_energy.samples_apply).
METER_MOVED_FIELDS = ("energy_wh", "last_meter_wh", "last_meter_at", "last_power_w", "flags")


def session_locked(*, station_id: int, session_id: int, fields: tuple[str, ...]) -> ChargingSession | None:
    """The session `session_id` of `station_id`, its row locked for the transaction (where
    the database locks rows), with `fields` loaded (the rest deferred, as `.only()`) and
    its connector's `max_power_kw`; None if there is no such session."""
    statement = _lock_statement(connection.vendor, fields)
    rows = statements.run(statement.sql, [station_id, session_id], fetch=True)
    if not rows:
        return None
    values = [convert(value) for convert, value in zip(statement.converters, rows[0], strict=True)]
    session = ChargingSession.from_db(connection.alias, statement.attnames, values[:-1])
    if session.connector_id is not None:
        session.connector = Connector.from_db(
            connection.alias, ("id", "max_power_kw"), (session.connector_id, values[-1])
        )
    return session


def session_meter_save(session: ChargingSession) -> None:
    """Write what a MeterValues frame moved on `session` (METER_MOVED_FIELDS)."""
    meta = ChargingSession._meta
    params = [meta.get_field(name).get_db_prep_save(getattr(session, name), connection) for name in METER_MOVED_FIELDS]
    statements.run(_update_sql(connection.vendor), [*params, session.pk])


class _LockStatement:
    def __init__(self, fields: tuple[str, ...]) -> None:
        session_meta, connector_meta = ChargingSession._meta, Connector._meta
        chosen = [session_meta.pk, *(session_meta.get_field(name) for name in fields)]
        max_power = connector_meta.get_field("max_power_kw")
        self.attnames = tuple(field.attname for field in chosen)
        columns = [field.get_col("s") for field in chosen] + [max_power.get_col("c")]
        self.converters = tuple(statements.converter(column) for column in columns)
        lock = ""
        if connection.features.has_select_for_update:
            lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else " FOR UPDATE"
        selected = ", ".join(f"s.{quote(field.column)}" for field in chosen)
        self.sql = (
            f"SELECT {selected}, c.{quote(max_power.column)}"  # noqa: S608
            f" FROM {quote(session_meta.db_table)} s"
            f" LEFT OUTER JOIN {quote(connector_meta.db_table)} c"
            f" ON s.{quote(session_meta.get_field('connector').column)} = c.{quote(connector_meta.pk.column)}"
            f" WHERE s.{quote(session_meta.get_field('station').column)} = %s"
            f" AND s.{quote(session_meta.pk.column)} = %s{lock}"
        )


@cache
def _lock_statement(vendor: str, fields: tuple[str, ...]) -> _LockStatement:
    return _LockStatement(fields)


@cache
def _update_sql(vendor: str) -> str:
    meta = ChargingSession._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in METER_MOVED_FIELDS)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
