"""A Heartbeat from an accepted station answered on the event loop against the real
database: the right currentTime for every version without a query, its last-seen written
by the seen writer in one statement for many stations (and on a flush, a drain or an
exit), its log rows still written, and every other case left to the worker-thread path."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ocpp_gateway import drain as drain_module
from ocpp_gateway import frames, heartbeat, message_log, protocols
from ocpp_gateway.drain import ProcessDrain
from ocpp_gateway.message_log_writer import MessageLogWriter
from ocpp_gateway.models import MessageLog
from ocpp_gateway.protocols import base
from ocpp_gateway.seen_writer import SeenWriter
from stations.models import ChargingStation, RegistrationStatus
from stations.services.status import station_heartbeats_record
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AT = datetime(2026, 11, 29, 6, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(autouse=True)
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def writers(monkeypatch):
    """This process's two writers, fresh, with timers long enough that only a flush writes."""
    seen = SeenWriter(interval_seconds=60)
    log = MessageLogWriter(batch_size=500, flush_seconds=60, capacity=1000, wait_seconds=5)
    for module in (heartbeat, base, drain_module):
        monkeypatch.setattr(module, "seen_writer", seen)
    for module in (heartbeat, message_log, drain_module):
        monkeypatch.setattr(module, "message_log_writer", log)
    seen.start(record=station_heartbeats_record)
    log.start()
    yield seen, log
    seen.stop(timeout=5)
    log.stop(timeout=5)


def heartbeat_frame(message_id: str = "h1", payload: str = "{}") -> frames.Frame:
    return frames.parse(f'[2, "{message_id}", "Heartbeat", {payload}]', formation_violation="FormationViolation")


def loop_answer(station, protocol=protocols.OCPP16, frame=None, at=AT):
    return heartbeat.heartbeat_answer(
        protocol=protocol,
        station_id=station.pk,
        identity=station.identity,
        frame=frame or heartbeat_frame(),
        received_at=at,
    )


@pytest.mark.parametrize(
    "protocol", [protocols.OCPP16, protocols.OCPP201, protocols.OCPP21], ids=lambda protocol: protocol.subprotocol
)
def test_heartbeat_is_answered_on_the_loop_without_a_query_and_recorded_after_the_flush(writers, protocol):
    seen, log = writers
    station = ChargingStationFactory(is_connected=True, is_online=False)
    assert heartbeat.answers_on_loop(frame=heartbeat_frame(), registration_status=RegistrationStatus.ACCEPTED)

    with CaptureQueriesContext(connection) as queries:
        answer = loop_answer(station, protocol)

    assert len(queries) == 0
    assert json.loads(answer.text) == [3, "h1", {"currentTime": "2026-11-29T06:00:00.123Z"}]
    assert answer.unlogged == []
    station.refresh_from_db()
    assert station.last_heartbeat_at is None
    assert seen.flush(timeout=10) and log.flush(timeout=10)
    station.refresh_from_db()
    assert (station.last_seen_at, station.last_heartbeat_at, station.is_online) == (AT, AT, True)
    logged = MessageLog.objects.filter(station=station, message_id="h1")
    assert sorted(logged.values_list("direction", "message_type", "action")) == [
        ("in", 2, "Heartbeat"),
        ("out", 3, "Heartbeat"),
    ]


def test_many_stations_are_recorded_in_one_statement_each_with_its_latest_time(writers):
    seen, _ = writers
    stations = [ChargingStationFactory(is_connected=True) for _ in range(3)]
    later = AT + timedelta(seconds=30)
    for station in stations:
        seen.note(station_id=station.pk, at=later)
    # A Heartbeat handed over late (an older time) does not win over the newer one.
    seen.note(station_id=stations[0].pk, at=AT)

    with CaptureQueriesContext(connection) as queries:
        updated = station_heartbeats_record(heard_at={station.pk: later for station in stations})
    assert (len(queries), updated) == (1, 3)

    ChargingStation.objects.update(last_seen_at=None, last_heartbeat_at=None)
    assert seen.pending() == 3
    assert seen.flush(timeout=10)
    assert set(ChargingStation.objects.values_list("last_seen_at", "last_heartbeat_at")) == {(later, later)}


def test_a_late_write_moves_no_time_back_and_leaves_a_closed_socket_offline():
    newer = AT + timedelta(seconds=5)
    ahead = ChargingStationFactory(is_connected=True, is_online=True, last_seen_at=newer, last_heartbeat_at=newer)
    closed = ChargingStationFactory(is_connected=False, is_online=False)

    station_heartbeats_record(heard_at={ahead.pk: AT, closed.pk: AT})

    ahead.refresh_from_db()
    closed.refresh_from_db()
    assert (ahead.last_seen_at, ahead.last_heartbeat_at) == (newer, newer)
    assert (closed.last_seen_at, closed.last_heartbeat_at, closed.is_online) == (AT, AT, False)


def test_what_the_loop_does_not_answer_is_left_to_the_worker_thread_path(writers):
    seen, log = writers
    station = ChargingStationFactory(is_connected=True)
    for status in (RegistrationStatus.PENDING, RegistrationStatus.REJECTED):
        assert not heartbeat.answers_on_loop(frame=heartbeat_frame(), registration_status=status)
    status_frame = frames.parse('[2, "s1", "StatusNotification", {}]', formation_violation="FormationViolation")
    assert not heartbeat.answers_on_loop(frame=status_frame, registration_status=RegistrationStatus.ACCEPTED)

    # The schema refuses it: the worker-thread path classifies and logs the CALLERROR.
    assert loop_answer(station, frame=heartbeat_frame(payload='{"extra": 1}')) is None
    assert (seen.pending(), log.pending()) == (0, 0)

    seen.stop(timeout=5)
    assert not heartbeat.answers_on_loop(frame=heartbeat_frame(), registration_status=RegistrationStatus.ACCEPTED)


def test_a_full_message_log_buffer_sends_heartbeats_to_the_worker_thread_path(writers, monkeypatch):
    _, log = writers
    monkeypatch.setattr(log, "capacity", 3)
    station = ChargingStationFactory(is_connected=True)
    assert loop_answer(station, frame=heartbeat_frame("first")).unlogged == []

    # The database has been unreachable long enough to fill the buffer: no longer on the loop.
    assert not heartbeat.answers_on_loop(frame=heartbeat_frame(), registration_status=RegistrationStatus.ACCEPTED)
    # Another thread filled it between that check and the hand-over: the rows come back, for
    # the consumer to hand over from a worker thread.
    answer = loop_answer(station, frame=heartbeat_frame("second"))
    assert json.loads(answer.text)[0] == frames.CALLRESULT
    assert [(row.direction, row.message_id) for row in answer.unlogged] == [("in", "second"), ("out", "second")]


def test_a_drain_and_an_exit_record_the_heartbeats_still_waiting(writers):
    seen, _ = writers
    drained, exited = ChargingStationFactory(is_connected=True), ChargingStationFactory(is_connected=True)
    loop_answer(drained)

    asyncio.run(ProcessDrain().run(window_seconds=0))

    drained.refresh_from_db()
    assert drained.last_heartbeat_at == AT
    seen.note(station_id=exited.pk, at=AT)
    seen.stop(timeout=10)
    exited.refresh_from_db()
    assert exited.last_heartbeat_at == AT
