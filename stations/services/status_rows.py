"""The statements of a StatusNotification on the status it moves: lock and read the
current status (the station's for connector 0, else the connector's) together with the
station's clock-skew mark, and write the new one. Written once per process
(stations/statements.py says why): every charger reports each connector's status on
every boot, so a reconnect storm is mostly these frames."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection

from stations import statements
from stations.models import ChargingStation, Connector
from stations.statements import quote

HELD = ("status", "error_code", "status_charger_at", "status_received_at")
# Connector 0 is the station; a connector also keeps the report's info and vendor code.
STATION_WRITTEN = ("status", "error_code", "status_updated_at", "status_charger_at", "status_received_at")
CONNECTOR_WRITTEN = (*STATION_WRITTEN, "status_info", "vendor_error_code")


@dataclass(frozen=True)
class Holder:
    """The row holding the current status, as locked."""

    pk: int
    status: str
    error_code: str
    charger_at: datetime | None
    received_at: datetime | None
    clock_skewed_at: datetime | None


def holder_locked(*, station_id: int, connector_number: int) -> Holder | None:
    """The current status of connector `connector_number` of `station_id` (0: the
    station), its row locked for the transaction (and nothing else locked); None for a
    connector we do not know."""
    statement = _lock_statement(connection.vendor, connector_number == 0)
    params = [station_id] if connector_number == 0 else [station_id, connector_number]
    rows = statements.run(statement.sql, params, fetch=True)
    if not rows:
        return None
    return Holder(*(convert(value) for convert, value in zip(statement.converters, rows[0], strict=True)))


def holder_update(*, connector_number: int, pk: int, values: dict) -> None:
    """Write `values` (every column of STATION_WRITTEN, or CONNECTOR_WRITTEN) to the row."""
    model, names = (ChargingStation, STATION_WRITTEN) if connector_number == 0 else (Connector, CONNECTOR_WRITTEN)
    params = [model._meta.get_field(name).get_db_prep_save(values[name], connection) for name in names]
    statements.run(_update_sql(connection.vendor, model, names), [*params, pk])


class _LockStatement:
    def __init__(self, station_itself: bool) -> None:
        station = ChargingStation._meta
        holder = station if station_itself else Connector._meta
        skew = station.get_field("clock_skewed_at")
        columns = [holder.pk.get_col("h"), *(holder.get_field(name).get_col("h") for name in HELD), skew.get_col("s")]
        self.converters = tuple(statements.converter(column) for column in columns)
        selected = ", ".join(f"h.{quote(name.target.column)}" for name in columns[:-1])
        lock = ""
        if connection.features.has_select_for_update:
            lock = " FOR UPDATE OF h" if connection.features.has_select_for_update_of else " FOR UPDATE"
        if station_itself:
            # The station is its own holder: its skew mark is in the same row.
            self.sql = (
                f"SELECT {selected}, h.{quote(skew.column)} FROM {quote(station.db_table)} h"  # noqa: S608
                f" WHERE h.{quote(station.pk.column)} = %s{lock}"
            )
        else:
            self.sql = (
                f"SELECT {selected}, s.{quote(skew.column)} FROM {quote(holder.db_table)} h"  # noqa: S608
                f" INNER JOIN {quote(station.db_table)} s"
                f" ON h.{quote(holder.get_field('station').column)} = s.{quote(station.pk.column)}"
                f" WHERE h.{quote(holder.get_field('station').column)} = %s"
                f" AND h.{quote(holder.get_field('connector_id').column)} = %s{lock}"
            )


@cache
def _lock_statement(vendor: str, station_itself: bool) -> _LockStatement:
    return _LockStatement(station_itself)


@cache
def _update_sql(vendor: str, model, names: tuple[str, ...]) -> str:
    meta = model._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
