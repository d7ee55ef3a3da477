"""The station a log line is about. The OCPP consumer sets `station_identity` when a socket
opens; asyncio tasks and the worker threads of database_sync_to_async inherit it, so every
line logged while handling that charger's frames carries it (settings.LOGGING adds it
through StationIdentityFilter)."""

import logging
from contextvars import ContextVar

station_identity: ContextVar[str] = ContextVar("station_identity", default="")


class StationIdentityFilter(logging.Filter):
    """Sets `record.station` to " station=<identity>" inside a charger's context, else ""."""

    def filter(self, record: logging.LogRecord) -> bool:
        identity = station_identity.get()
        record.station = f" station={identity}" if identity else ""
        return True
