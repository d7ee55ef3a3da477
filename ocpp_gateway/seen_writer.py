"""The per-process writer of Heartbeats: the stations a web process heard from wait here
(each with only its latest time) and one background thread records them all in one
statement about once a second (stations.services.status.station_heartbeats_record).

Why: a Heartbeat acknowledges nothing the charger needs stored (its answer is the current
time); last_seen_at and last_heartbeat_at are our own observation. Answering it on the event
loop (ocpp_gateway/heartbeat.py) instead of in a worker thread with its own transaction
and UPDATE was most of an idle charger's CPU.

A delay of up to a second or two is harmless to everything that reads these fields:
offline detection (stations/operations/services/health.py) allows several heartbeat
intervals of silence, the dashboard and APIs show minutes-old times, and the consumer's
own last-seen throttle (SEEN_WRITE_INTERVAL_SECONDS) counts in minutes.

What can be lost (docs/reliability.md): a process that dies without exiting loses the
times still waiting, at most the last second's; the station's next Heartbeat writes them
again. A drain (ocpp_gateway/drain.py) and a normal exit write everything first. While the
database is unreachable the times stay here (one per station, so memory stays bounded by
the connected stations) and the write is retried.

Started by the consumer in processes that hold charger sockets on PostgreSQL; SQLite keeps
each Heartbeat in its own transaction (see ocpp_gateway/consumers.py)."""

import atexit
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.db import DatabaseError, close_old_connections

from ocpp_gateway.message_log_writer import RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


class SeenWriter:
    def __init__(self, *, interval_seconds: float = INTERVAL_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self._heard: dict[int, datetime] = {}
        self._record: Callable[..., int] | None = None
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._exit_registered = False
        self._stopping = False
        self._flush_requested = False
        # Times noted and times written: a flush waits for the second to reach what the
        # first was when it began.
        self._noted = 0
        self._written = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    def start(self, *, record: Callable[..., int]) -> None:
        """Write in the background from now on, through `record` (the stations app's
        `station_heartbeats_record`, handed in by the caller: the web server imports this
        module, through the drain, before Django is set up). Idempotent; cheap enough to
        call per socket."""
        self._record = record
        if self.running:
            return
        with self._condition:
            if self.running:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="seen-writer", daemon=True)
            self._thread.start()
            if not self._exit_registered:
                self._exit_registered = True
                atexit.register(self.stop)

    def note(self, *, station_id: int, at: datetime) -> None:
        """The station's Heartbeat arrived at `at`. Never waits on the database."""
        with self._condition:
            self._heard[station_id] = max(at, self._heard.get(station_id, at))
            self._noted += 1

    def flush(self, timeout: float = 30) -> bool:
        """Write now what was noted before this call; True once it is written."""
        if not self.running:
            return not self._heard
        deadline = time.monotonic() + timeout
        with self._condition:
            target = self._noted
            self._flush_requested = True
            self._condition.notify_all()
            while self._written < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._condition.wait(remaining)
        return True

    def stop(self, timeout: float = 10) -> None:
        """Write what waits and stop the thread. For exit."""
        thread = self._thread
        if thread is None:
            return
        self.flush(timeout=timeout)
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        thread.join(timeout=timeout)
        with self._condition:
            left, self._heard = self._heard, {}
        if left:
            # The thread could not write them (the database is gone): a last try from here.
            self._write(left)
        self._thread = None

    def pending(self) -> int:
        return len(self._heard)

    # --- the writing thread -----------------------------------------------------------
    def _run(self) -> None:
        retry_seconds = RETRY_FIRST_SECONDS
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._flush_requested or self._stopping, timeout=self.interval_seconds)
                heard, self._heard = self._heard, {}
                noted = self._noted
                self._flush_requested = False
                stopping = self._stopping
            if heard and not self._write(heard):
                # The database is unreachable: keep the times (unless newer ones came) and retry.
                with self._condition:
                    for station_id, at in heard.items():
                        self._heard[station_id] = max(at, self._heard.get(station_id, at))
                    if self._stopping:
                        return
                    self._condition.wait(retry_seconds)
                retry_seconds = min(retry_seconds * 2, RETRY_MAX_SECONDS)
                continue
            retry_seconds = RETRY_FIRST_SECONDS
            with self._condition:
                self._written = noted
                self._condition.notify_all()
            if stopping:
                return

    def _write(self, heard: dict[int, datetime]) -> bool:
        """Record one batch; False if the database could not be reached (nothing written)."""
        try:
            self._record(heard_at=heard)
        except DatabaseError as error:
            logger.warning("seen writer: %s stations not recorded yet, database unavailable (%s)", len(heard), error)
            return False
        finally:
            # Give the thread's connection back to the pool (or drop a broken one).
            close_old_connections()
        return True


seen_writer = SeenWriter()
