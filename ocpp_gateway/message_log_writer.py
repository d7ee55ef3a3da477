"""The message log's per-process writer: a web process's log rows wait in a bounded buffer
and one background thread writes them in batches, outside the transactions whose
CALLRESULTs they record.

Why: two log rows inside every CALL's transaction were a tenth of the gateway's CPU per
frame and a round trip on the acknowledgement path, for an audit trail that no CALLRESULT
acknowledges. A CALLRESULT still goes out only after its domain rows commit; its log rows
are handed here at that commit and written within OCPP_MESSAGE_LOG_FLUSH_MS, or as soon as
OCPP_MESSAGE_LOG_BATCH_SIZE are waiting.

What can be lost (docs/reliability.md): the log is diagnostic, the domain rows are not.
A process that dies without exiting (kill -9, out of memory, power) loses the rows still
buffered: at most the last OCPP_MESSAGE_LOG_FLUSH_MS of frames, more while the database is
unreachable. A drain (ocpp_gateway/drain.py) and a normal exit write everything first.
While the database is unreachable the rows stay buffered and the writes are retried; a
frame that finds the buffer full (OCPP_MESSAGE_LOG_BUFFER_ROWS) waits up to
OCPP_MESSAGE_LOG_WAIT_SECONDS for room (back-pressure: its CALLRESULT waits with it), and
then its rows are dropped, logged and counted (evcms_ocpp_message_log_dropped).

Started by the consumer in processes that hold charger sockets on PostgreSQL. Anywhere else
(Celery, management commands, SQLite's single writer) `add` writes at once, in the
caller's transaction."""

import atexit
import logging
import threading
import time
from collections import deque

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection

from ocpp_gateway import metrics

logger = logging.getLogger(__name__)

# The web server imports the drain, and with it this module, before Django is set up: the
# model is looked up when rows are written, not imported.
MESSAGE_LOG_MODEL = "ocpp_gateway.MessageLog"
# How long a failed write waits before it is tried again (doubling up to the maximum).
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 5.0


class MessageLogWriter:
    def __init__(
        self,
        *,
        batch_size: int | None = None,
        flush_seconds: float | None = None,
        capacity: int | None = None,
        wait_seconds: float | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.capacity = capacity
        self.wait_seconds = wait_seconds
        self._rows: deque = deque()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._exit_registered = False
        self._stopping = False
        self._flush_requested = False
        # Rows handed in and rows settled (written or dropped): a flush waits for the second
        # to reach what the first was when it began.
        self._added = 0
        self._settled = 0
        self.dropped = 0

    def _configure(self) -> None:
        self.batch_size = self.batch_size or settings.OCPP_MESSAGE_LOG_BATCH_SIZE
        if self.flush_seconds is None:
            self.flush_seconds = settings.OCPP_MESSAGE_LOG_FLUSH_MS / 1000
        self.capacity = self.capacity or settings.OCPP_MESSAGE_LOG_BUFFER_ROWS
        if self.wait_seconds is None:
            self.wait_seconds = settings.OCPP_MESSAGE_LOG_WAIT_SECONDS

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    def start(self) -> None:
        """Write in the background from now on. Idempotent; cheap enough to call per socket."""
        if self.running:
            return
        with self._condition:
            if self.running:
                return
            self._configure()
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="message-log-writer", daemon=True)
            self._thread.start()
            if not self._exit_registered:
                self._exit_registered = True
                atexit.register(self.stop)

    def add(self, rows: list) -> None:
        """Hand rows over for writing; written at once when the writer is not running."""
        if not rows:
            return
        if not self.running:
            _bulk_create(rows)
            return
        deadline = time.monotonic() + self.wait_seconds
        with self._condition:
            while not self._fits(len(rows)):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.running:
                    self._drop(rows, reason="the buffer stayed full")
                    return
                self._condition.wait(remaining)
            self._buffer(rows)

    def has_room(self, count: int) -> bool:
        """Whether `count` rows could be handed over now without a wait (a hint: another
        thread may take the room first, which `offer` then reports)."""
        return self.running and self._fits(count)

    def offer(self, rows: list) -> bool:
        """Hand rows over only if that takes no wait: False when the writer is not running or
        the buffer has no room (the caller then uses `add` from a thread). For the event loop
        (a Heartbeat answered there, ocpp_gateway/heartbeat.py), which must never block."""
        if not self.running:
            return False
        with self._condition:
            if not self._fits(len(rows)):
                return False
            self._buffer(rows)
        return True

    def _fits(self, count: int) -> bool:
        # A batch larger than the whole buffer is let into an empty one.
        return not self._rows or len(self._rows) + count <= self.capacity

    def _buffer(self, rows: list) -> None:
        """Under the condition's lock: queue the rows, waking the thread for a full batch."""
        self._rows.extend(rows)
        self._added += len(rows)
        if len(self._rows) >= self.batch_size:
            self._condition.notify_all()

    def flush(self, timeout: float = 30) -> bool:
        """Write now what was handed over before this call; True once it is settled."""
        if not self.running:
            return not self._rows
        deadline = time.monotonic() + timeout
        with self._condition:
            target = self._added
            self._flush_requested = True
            self._condition.notify_all()
            while self._settled < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._condition.wait(remaining)
        return True

    def stop(self, timeout: float = 10) -> None:
        """Write what waits and stop the thread; later rows are written at once. For exit."""
        thread = self._thread
        if thread is None:
            return
        self.flush(timeout=timeout)
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        thread.join(timeout=timeout)
        with self._condition:
            left = list(self._rows)
            self._rows.clear()
        if left:
            # The thread could not write them (the database is gone): a last try from here.
            self._write(left)
        self._thread = None

    def pending(self) -> int:
        return len(self._rows)

    # --- the writing thread -----------------------------------------------------------
    def _run(self) -> None:
        retry_seconds = RETRY_FIRST_SECONDS
        while True:
            with self._condition:
                self._condition.wait_for(
                    lambda: len(self._rows) >= self.batch_size or self._flush_requested or self._stopping,
                    timeout=self.flush_seconds,
                )
                if self._stopping and not self._rows:
                    return
                batch = [self._rows.popleft() for _ in range(min(len(self._rows), self.batch_size))]
                if not self._rows:
                    self._flush_requested = False
            if not batch:
                continue
            if self._write(batch):
                retry_seconds = RETRY_FIRST_SECONDS
                continue
            # The database is unreachable: keep the rows, in order, and try again later.
            with self._condition:
                self._rows.extendleft(reversed(batch))
                if self._stopping:
                    return
                self._condition.wait(retry_seconds)
            retry_seconds = min(retry_seconds * 2, RETRY_MAX_SECONDS)

    def _write(self, batch: list) -> bool:
        """Write one batch; False if the database could not be reached (nothing written).
        A row the database refuses (its station deleted meanwhile) is dropped alone."""
        try:
            _bulk_create(batch)
        except IntegrityError:
            self._write_one_by_one(batch)
        except DatabaseError as error:
            logger.warning("message log: %s rows not written yet, database unavailable (%s)", len(batch), error)
            return False
        finally:
            _connection_release()
        self._settle(len(batch))
        return True

    def _write_one_by_one(self, batch: list) -> None:
        for row in batch:
            try:
                _bulk_create([row])
            except IntegrityError:
                self._drop([row], reason="the database refused it")

    def _settle(self, count: int) -> None:
        with self._condition:
            self._settled += count
            self._condition.notify_all()

    def _drop(self, rows: list, *, reason: str) -> None:
        self.dropped += len(rows)
        metrics.MESSAGE_LOG_DROPPED.inc(len(rows))
        logger.warning(
            "message log: %s rows dropped (%s): %s",
            len(rows),
            reason,
            ", ".join(f"{row.direction} {row.action or row.message_type} {row.message_id}" for row in rows[:5]),
        )


def _bulk_create(rows: list) -> None:
    """Insert the rows; on PostgreSQL a batch goes through COPY, whose rows psycopg writes
    in C, where the ORM's multi-row INSERT built and quoted every value in Python (the
    writer's share of the gateway's CPU halved). Each value is prepared by its field, as
    the ORM would; a row the database refuses fails the whole COPY, as it fails an INSERT."""
    model = apps.get_model(MESSAGE_LOG_MODEL)
    if connection.vendor != "postgresql" or len(rows) == 1:
        model.objects.bulk_create(rows)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    # Django does not translate COPY's errors (an IntegrityError here must stay one).
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields])


def _connection_release() -> None:
    """Give the thread's connection back to the pool (or drop a broken one)."""
    if connection.in_atomic_block:
        return
    close_old_connections()


message_log_writer = MessageLogWriter()
