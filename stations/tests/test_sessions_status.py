"""Status services: connection tracking, boot, heartbeat, connector status with history."""

from datetime import UTC, datetime, timedelta

import pytest

from stations import signals
from stations.models import ChargingStation, RegistrationStatus, StatusChange
from stations.services import status
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_replaced_connection_cannot_mark_station_disconnected():
    station = ConnectorFactory().station
    assert status.station_connect(station_id=station.pk, at=T0)
    assert status.station_connect(station_id=station.pk, at=T0 + timedelta(seconds=1))
    assert not status.station_disconnect(station_id=station.pk, connected_at=T0, at=T0 + timedelta(seconds=2))
    station.refresh_from_db()
    assert station.is_connected


def test_older_connection_recorded_late_does_not_displace_the_newer():
    station = ConnectorFactory().station
    assert status.station_connect(station_id=station.pk, at=T0 + timedelta(seconds=1))
    assert not status.station_connect(station_id=station.pk, at=T0)
    station.refresh_from_db()
    assert station.connected_at == T0 + timedelta(seconds=1)


def test_disconnect_of_current_connection_marks_offline_and_signals(django_capture_on_commit_callbacks):
    station = ConnectorFactory().station
    events = []
    signals.station_connection_changed.connect(
        lambda **kw: events.append(kw["connected"]), weak=False, dispatch_uid="conn"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            status.station_connect(station_id=station.pk, at=T0)
            status.station_disconnect(station_id=station.pk, connected_at=T0, at=T0 + timedelta(minutes=1))
    finally:
        signals.station_connection_changed.disconnect(dispatch_uid="conn")
    station.refresh_from_db()
    assert (station.is_connected, station.is_online, station.disconnected_at) == (
        False,
        False,
        T0 + timedelta(minutes=1),
    )
    assert events == [True, False]


def test_boot_records_hardware_and_keeps_known_values_when_omitted():
    station = ConnectorFactory().station
    status.station_boot(station_id=station.pk, vendor="V", model="M", at=T0, serial_number="S1", firmware_version="1.0")
    registration, interval = status.station_boot(station_id=station.pk, vendor="V", model="M", at=T0)
    station.refresh_from_db()
    assert (station.serial_number, station.firmware_version, station.last_boot_at) == ("S1", "1.0", T0)
    assert registration == RegistrationStatus.ACCEPTED
    assert interval == 300


def test_status_notification_moves_connector_and_keeps_history(django_capture_on_commit_callbacks):
    connector = ConnectorFactory()
    changes = []
    signals.connector_status_changed.connect(lambda **kw: changes.append(kw), weak=False, dispatch_uid="cs")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for minute, state in [(1, "Available"), (2, "Charging"), (3, "Charging")]:
                status.connector_status_record(
                    station_id=connector.station_id,
                    connector_number=1,
                    status=state,
                    error_code="NoError",
                    charger_timestamp=T0 + timedelta(minutes=minute),
                    received_at=T0 + timedelta(minutes=minute),
                )
    finally:
        signals.connector_status_changed.disconnect(dispatch_uid="cs")
    connector.refresh_from_db()
    assert connector.status == "Charging"
    assert StatusChange.objects.filter(station=connector.station).count() == 3
    assert [(c["previous_status"], c["status"]) for c in changes] == [
        ("Unknown", "Available"),
        ("Available", "Charging"),
    ]


def test_late_older_status_goes_to_history_only():
    connector = ConnectorFactory()
    kwargs = {"station_id": connector.station_id, "connector_number": 1, "error_code": "NoError", "received_at": T0}
    status.connector_status_record(status="Charging", charger_timestamp=T0, **kwargs)
    status.connector_status_record(status="Available", charger_timestamp=T0 - timedelta(minutes=5), **kwargs)
    connector.refresh_from_db()
    assert connector.status == "Charging"
    assert StatusChange.objects.count() == 2


def test_connector_zero_is_the_station_and_far_future_timestamp_is_flagged():
    connector = ConnectorFactory()
    change = status.connector_status_record(
        station_id=connector.station_id,
        connector_number=0,
        status="Faulted",
        error_code="GroundFailure",
        charger_timestamp=T0 + timedelta(days=1),
        received_at=T0,
    )
    station = ChargingStation.objects.get(pk=connector.station_id)
    assert (station.status, station.error_code) == ("Faulted", "GroundFailure")
    assert change.clock_skewed


def test_auto_register_creates_pending_station_with_hashed_password():
    station = status.station_auto_register(identity="NEW-CP-1", password="a-long-enough-password-1")
    assert station.registration_status == RegistrationStatus.PENDING
    assert station.security_profile == ChargingStation.SecurityProfile.BASIC
    assert "a-long-enough" not in station.password_hash
    assert status.station_auto_register(identity="NEW-CP-1", password=None).pk == station.pk


def _report(connector_number, state, *, station_id, charger_at, received_at, error_code="NoError"):
    return status.connector_status_record(
        station_id=station_id,
        connector_number=connector_number,
        status=state,
        error_code=error_code,
        charger_timestamp=charger_at,
        received_at=received_at,
    )


@pytest.mark.parametrize("connector_number", [0, 1])
def test_report_dated_ahead_does_not_freeze_later_reports(connector_number):
    connector = ConnectorFactory()
    station_id = connector.station_id
    _report(connector_number, "Charging", station_id=station_id, charger_at=T0 + timedelta(minutes=10), received_at=T0)
    for second, state in [(30, "SuspendedEV"), (60, "Finishing"), (90, "Available")]:
        at = T0 + timedelta(seconds=second)
        _report(connector_number, state, station_id=station_id, charger_at=at, received_at=at)
    holder = ChargingStation.objects.get(pk=station_id) if connector_number == 0 else connector
    holder.refresh_from_db()
    assert holder.status == "Available"


def test_older_station_fault_arriving_late_does_not_fault_the_station():
    station_id = ConnectorFactory().station_id
    _report(0, "Available", station_id=station_id, charger_at=T0, received_at=T0)
    _report(
        0,
        "Faulted",
        station_id=station_id,
        charger_at=T0 - timedelta(minutes=5),
        received_at=T0 + timedelta(seconds=5),
        error_code="GroundFailure",
    )
    station = ChargingStation.objects.get(pk=station_id)
    assert (station.status, station.error_code) == ("Available", "NoError")
    assert StatusChange.objects.filter(station_id=station_id, status="Faulted").exists()


def test_charger_known_to_be_skewed_is_ordered_by_receive_time():
    connector = ConnectorFactory()
    station_id = connector.station_id
    _report(1, "Charging", station_id=station_id, charger_at=T0, received_at=T0)
    # Its clock jumps a day ahead (a report on another connector shows it) and is set back a little too far.
    _report(
        2, "Available", station_id=station_id, charger_at=T0 + timedelta(days=1), received_at=T0 + timedelta(seconds=5)
    )
    _report(
        1,
        "Finishing",
        station_id=station_id,
        charger_at=T0 - timedelta(minutes=3),
        received_at=T0 + timedelta(seconds=9),
    )
    connector.refresh_from_db()
    assert connector.status == "Finishing"
    assert connector.status_updated_at == T0 + timedelta(seconds=9)
