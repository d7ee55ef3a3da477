"""The message log's per-process writer against the real database: rows written in batches
by size and by time, back-pressure when the buffer is full, a row the database refuses
dropped alone, everything written on a flush or stop, and the frame's log rows handed
over only when its transaction commits."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from ocpp_gateway import message_log
from ocpp_gateway.message_log_writer import MessageLogWriter
from ocpp_gateway.models import MessageLog
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AT = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@pytest.fixture
def station():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    return ChargingStationFactory()


@pytest.fixture
def writers():
    started = []

    def make(**options) -> MessageLogWriter:
        writer = MessageLogWriter(
            **{"batch_size": 500, "flush_seconds": 60, "capacity": 1000, "wait_seconds": 5, **options}
        )
        writer.start()
        started.append(writer)
        return writer

    yield make
    for writer in started:
        writer.stop(timeout=5)


def rows(station, count: int, prefix: str = "m") -> list[MessageLog]:
    return [
        message_log.entry(
            station_id=station.pk, direction="in", message_type=2, message_id=f"{prefix}{n}", action="Heartbeat", at=AT
        )
        for n in range(count)
    ]


def logged_ids() -> list[str]:
    return list(MessageLog.objects.order_by("id").values_list("message_id", flat=True))


def eventually(check, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_full_batch_is_written_without_waiting_for_the_timer(station, writers):
    writer = writers(batch_size=3, flush_seconds=60)
    writer.add(rows(station, 2))
    time.sleep(0.3)
    assert logged_ids() == []

    writer.add(rows(station, 1, prefix="x"))

    assert eventually(lambda: logged_ids() == ["m0", "m1", "x0"])


def test_a_partial_batch_is_written_after_the_flush_interval(station, writers):
    writer = writers(batch_size=500, flush_seconds=0.1)
    writer.add(rows(station, 4))
    assert eventually(lambda: len(logged_ids()) == 4, timeout=5)


def test_flush_returns_once_everything_handed_over_is_written(station, writers):
    writer = writers()
    writer.add(rows(station, 7))
    assert writer.flush(timeout=10) is True
    assert logged_ids() == [f"m{n}" for n in range(7)]


def test_a_full_buffer_makes_the_frame_wait_for_room_and_nothing_is_lost(station, writers):
    writer = writers(batch_size=1, flush_seconds=0.01, capacity=2, wait_seconds=10)
    lock_held = threading.Event()
    release = threading.Event()

    def hold_table_lock():
        # Another session holds the table: the writer's INSERT waits, the buffer fills.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MessageLog._meta.db_table} IN EXCLUSIVE MODE")
            lock_held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_table_lock)
    holder.start()
    assert lock_held.wait(10)
    writer.add(rows(station, 3))  # one taken by the blocked INSERT, two fill the buffer
    assert eventually(lambda: writer.pending() == 2)
    threading.Timer(0.5, release.set).start()

    started = time.monotonic()
    writer.add(rows(station, 1, prefix="late"))
    waited = time.monotonic() - started
    holder.join(10)

    assert waited >= 0.4
    assert writer.flush(timeout=10)
    assert logged_ids() == ["m0", "m1", "m2", "late0"]
    assert writer.dropped == 0


def test_rows_are_dropped_and_counted_when_the_buffer_stays_full(station, writers):
    writer = writers(batch_size=1, flush_seconds=0.01, capacity=1, wait_seconds=0.3)
    lock_held = threading.Event()
    release = threading.Event()

    def hold_table_lock():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MessageLog._meta.db_table} IN EXCLUSIVE MODE")
            lock_held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_table_lock)
    holder.start()
    assert lock_held.wait(10)
    writer.add(rows(station, 2))
    assert eventually(lambda: writer.pending() == 1)

    writer.add(rows(station, 1, prefix="dropped"))
    release.set()
    holder.join(10)

    assert writer.dropped == 1
    assert writer.flush(timeout=10)
    assert logged_ids() == ["m0", "m1"]


def test_a_row_the_database_refuses_is_dropped_alone(station, writers):
    gone = ChargingStationFactory()
    orphan = rows(gone, 1, prefix="orphan")
    gone.delete()
    writer = writers()

    writer.add([*rows(station, 1, prefix="before"), *orphan, *rows(station, 1, prefix="after")])

    assert writer.flush(timeout=10)
    assert logged_ids() == ["before0", "after0"]
    assert writer.dropped == 1


def test_stop_writes_what_waits_and_later_rows_are_written_at_once(station, writers):
    writer = writers()
    writer.add(rows(station, 3))

    writer.stop(timeout=10)
    assert writer.running is False
    assert logged_ids() == ["m0", "m1", "m2"]

    writer.add(rows(station, 1, prefix="after-stop"))
    assert logged_ids()[-1] == "after-stop0"


def test_log_rows_reach_the_writer_only_when_their_transaction_commits(station, writers, monkeypatch):
    writer = writers()
    monkeypatch.setattr(message_log, "message_log_writer", writer)

    with transaction.atomic():
        message_log.rows_keep(rows(station, 1, prefix="committed"))
        assert writer.pending() == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        message_log.rows_keep(rows(station, 1, prefix="rolled-back"))
        raise RuntimeError("the handler failed")

    assert writer.flush(timeout=10)
    assert logged_ids() == ["committed0"]
