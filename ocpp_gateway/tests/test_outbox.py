"""The outbox in-process: send() validation, claim order, resolution, timeouts, expiry,
result hooks (reservations, configuration), admission and message-log pruning."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from drivers.models import Reservation
from drivers.services import reservations as driver_reservations
from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands, frames, handshake, message_log, outbox, protocols
from ocpp_gateway.models import MessageLog
from stations.models import ChargingStation, CommandRequest
from stations.tests.factories import STATION_PASSWORD, ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db
OCPP16 = protocols.OCPP16


def result(message_id, payload):
    return frames.Frame(message_type=frames.CALLRESULT, message_id=message_id, payload=payload)


@pytest.mark.parametrize(
    ("action", "payload", "message"),
    [
        ("SelfDestruct", {}, "not a command"),
        ("Heartbeat", {}, "not a command"),
        ("Reset", {}, "Invalid Reset payload"),
        ("Reset", {"type": "Medium"}, "Invalid Reset payload"),
        ("UnlockConnector", {"connectorId": "one"}, "Invalid UnlockConnector payload"),
    ],
)
def test_send_refuses_unknown_actions_and_invalid_payloads(action, payload, message):
    station = ChargingStationFactory()
    with pytest.raises(commands.CommandError, match=message):
        commands.raw_send(station=station, action=action, payload=payload)
    assert not CommandRequest.objects.exists()


def test_command_error_is_a_value_error():
    assert issubclass(commands.CommandError, ValueError)


def test_claim_takes_oldest_pending_once_and_skips_expired():
    station = ChargingStationFactory()
    stale = commands.raw_send(station=station, action="ClearCache", payload={}, ttl_seconds=10)
    CommandRequest.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    first = commands.raw_send(station=station, action="Reset", payload={"type": "Soft"})
    commands.raw_send(station=station, action="ClearCache", payload={})
    claimed = outbox.command_claim_next(protocol=OCPP16, station_id=station.pk, now=timezone.now())
    assert claimed.command_id == first.pk
    assert claimed.text.startswith(f'[2,"{first.message_id}","Reset"')
    first.refresh_from_db()
    assert first.status == CommandRequest.Status.SENT
    assert MessageLog.objects.filter(direction="out", message_id=first.message_id).exists()


def test_resolve_records_result_and_ignores_unknown_ids():
    station = ChargingStationFactory()
    command = commands.raw_send(station=station, action="UnlockConnector", payload={"connectorId": 1})
    call = outbox.command_claim_next(protocol=OCPP16, station_id=station.pk, now=timezone.now())
    now = timezone.now()
    assert not outbox.command_resolve(protocol=OCPP16, station_id=station.pk, frame=result("nope", {}), received_at=now)
    assert outbox.command_resolve(
        protocol=OCPP16,
        station_id=station.pk,
        frame=result(call.message_id, {"status": "UnlockFailed"}),
        received_at=now,
    )
    command.refresh_from_db()
    assert (command.status, command.result) == (CommandRequest.Status.REJECTED, {"status": "unlock_failed"})
    # A second answer to the same call changes nothing.
    assert not outbox.command_resolve(
        protocol=OCPP16, station_id=station.pk, frame=result(call.message_id, {"status": "Unlocked"}), received_at=now
    )


def test_response_failing_its_schema_marks_the_command_failed():
    station = ChargingStationFactory()
    command = commands.raw_send(station=station, action="Reset", payload={"type": "Soft"})
    call = outbox.command_claim_next(protocol=OCPP16, station_id=station.pk, now=timezone.now())
    outbox.command_resolve(
        protocol=OCPP16,
        station_id=station.pk,
        frame=result(call.message_id, {"status": "Maybe"}),
        received_at=timezone.now(),
    )
    command.refresh_from_db()
    assert (command.status, command.error_code) == (CommandRequest.Status.FAILED, "PropertyConstraintViolation")


def test_callerror_is_recorded_with_code_and_description():
    station = ChargingStationFactory()
    command = commands.raw_send(station=station, action="ClearCache", payload={})
    call = outbox.command_claim_next(protocol=OCPP16, station_id=station.pk, now=timezone.now())
    error = frames.Frame(
        message_type=frames.CALLERROR, message_id=call.message_id, error_code="InternalError", error_description="boom"
    )
    outbox.command_resolve(protocol=OCPP16, station_id=station.pk, frame=error, received_at=timezone.now())
    command.refresh_from_db()
    assert (command.status, command.error_code, command.error_description) == ("failed", "InternalError", "boom")


def test_sweep_expires_waiting_commands_and_times_out_orphaned_calls():
    station = ChargingStationFactory()
    orphan = commands.raw_send(station=station, action="Reset", payload={"type": "Soft"})
    outbox.command_claim_next(protocol=OCPP16, station_id=station.pk, now=timezone.now() - timedelta(minutes=10))
    waiting = commands.raw_send(station=station, action="ClearCache", payload={}, ttl_seconds=10)
    later = timezone.now() + timedelta(seconds=11)
    assert outbox.commands_sweep(now=later, protocol_for_station=protocols.for_station) == (1, 1)
    assert outbox.commands_sweep(now=later, protocol_for_station=protocols.for_station) == (0, 0)
    waiting.refresh_from_db()
    orphan.refresh_from_db()
    assert (waiting.status, orphan.status) == (CommandRequest.Status.EXPIRED, CommandRequest.Status.TIMED_OUT)


def test_reservation_follows_its_commands():
    connector = ConnectorFactory()
    token = TokenFactory()
    reservation = driver_reservations.reservation_request(
        token=token, station=connector.station, connector_number=1, expires_at=timezone.now() + timedelta(hours=1)
    )
    command = CommandRequest.objects.get(action=CommandRequest.Action.RESERVE)
    assert command.parameters["reservation"] == reservation.pk
    call = outbox.command_claim_next(protocol=OCPP16, station_id=connector.station_id, now=timezone.now())
    assert f'"reservationId":{reservation.pk}' in call.text.replace(" ", "")
    outbox.command_resolve(
        protocol=OCPP16,
        station_id=connector.station_id,
        frame=result(call.message_id, {"status": "Occupied"}),
        received_at=timezone.now(),
    )
    reservation.refresh_from_db()
    assert (reservation.status, reservation.charger_status) == (Reservation.Status.REJECTED, "Occupied")


def test_undelivered_reservation_fails_when_its_command_expires():
    connector = ConnectorFactory()
    reservation = driver_reservations.reservation_request(
        token=TokenFactory(), station=connector.station, expires_at=timezone.now() + timedelta(minutes=30)
    )
    outbox.commands_sweep(now=timezone.now() + timedelta(days=1), protocol_for_station=protocols.for_station)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.FAILED


def test_reservation_request_validates_input():
    connector = ConnectorFactory()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        driver_reservations.reservation_request(
            token=TokenFactory(),
            station=connector.station,
            connector_number=9,
            expires_at=timezone.now() + timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        driver_reservations.reservation_request(
            token=TokenFactory(), station=connector.station, expires_at=timezone.now()
        )
    assert not Reservation.objects.exists()
    assert not CommandRequest.objects.exists()


def _basic(identity, password=STATION_PASSWORD):
    return [(b"authorization", b"Basic " + base64.b64encode(f"{identity}:{password}".encode()))]


def test_admission_rules(settings):
    station = ChargingStationFactory()
    creds = handshake.basic_credentials
    assert (
        handshake.station_admit(identity=station.identity, credentials=creds(_basic(station.identity))).refusal is None
    )
    assert handshake.station_admit(identity=station.identity, credentials=None).refusal == 401
    wrong = creds(_basic(station.identity, "x" * 20))
    assert handshake.station_admit(identity=station.identity, credentials=wrong).refusal == 401
    assert handshake.station_admit(identity="UNKNOWN-1", credentials=None).refusal == 404
    settings.OCPP_AUTO_REGISTER = True
    admitted = handshake.station_admit(identity="UNKNOWN-1", credentials=None)
    assert admitted.refusal is None and admitted.registration_status == "Pending"
    assert ChargingStation.objects.get(identity="UNKNOWN-1").security_profile == 0


def test_message_log_prune_keeps_recent_entries():
    station = ChargingStationFactory()
    now = datetime(2026, 11, 24, tzinfo=UTC)
    for age in (1, 40, 400):
        message_log.record(
            station_id=station.pk, direction="in", message_type=2, action="Heartbeat", at=now - timedelta(days=age)
        )
    assert message_log.message_log_prune(now=now, retention_days=30, batch_size=1) == 2
    assert message_log.message_log_prune(now=now, retention_days=30) == 0
    assert MessageLog.objects.count() == 1
