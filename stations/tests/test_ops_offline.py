"""Offline detection: N heartbeat intervals of silence, debounced flaps, reconnects."""

from datetime import timedelta

import pytest

from stations.models import Incident, StatusChange
from stations.operations.services import health, incidents
from stations.tests.factories import ChargingStationFactory
from stations.tests.ops_factories import T0

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.OCPP_HEARTBEAT_INTERVAL = 60
    settings.OPS_OFFLINE_HEARTBEATS = 3
    settings.OPS_DEBOUNCE_SECONDS = 120


def online_station(**kwargs):
    return ChargingStationFactory(is_online=True, last_seen_at=T0, **kwargs)


def connectivity(station):
    return list(StatusChange.objects.filter(station=station, connector_number=0).values_list("status", "received_at"))


def test_station_silent_for_n_heartbeats_is_offline_from_its_first_missed_heartbeat():
    station = online_station()
    assert health.stations_offline_sweep(now=T0 + 2 * MINUTE) == {"offline": [], "online": []}
    assert health.stations_offline_sweep(now=T0 + 4 * MINUTE) == {"offline": [station.pk], "online": []}
    station.refresh_from_db()
    assert station.is_online is False
    # Three heartbeats decide that it is offline; its outage began with the first it missed.
    assert connectivity(station) == [("Offline", T0 + MINUTE)]
    incident = Incident.objects.get(cause=Incident.Cause.OFFLINE)
    assert (incident.status, incident.first_seen_at) == (Incident.Status.PENDING, T0 + MINUTE)


def test_station_whose_socket_closed_after_its_last_message_is_offline_from_the_close():
    station = online_station(disconnected_at=T0 + 20 * timedelta(seconds=1))
    assert health.stations_offline_sweep(now=T0 + 4 * MINUTE)["offline"] == [station.pk]
    assert connectivity(station) == [("Offline", T0 + 20 * timedelta(seconds=1))]


def test_station_heartbeat_interval_overrides_the_default():
    station = online_station(heartbeat_interval=600)
    assert health.stations_offline_sweep(now=T0 + 20 * MINUTE) == {"offline": [], "online": []}
    assert health.stations_offline_sweep(now=T0 + 31 * MINUTE)["offline"] == [station.pk]


def test_sweeping_twice_changes_nothing_more():
    station = online_station()
    health.stations_offline_sweep(now=T0 + 4 * MINUTE)
    assert health.stations_offline_sweep(now=T0 + 5 * MINUTE) == {"offline": [], "online": []}
    assert len(connectivity(station)) == 1
    assert Incident.objects.get().occurrences == 1


def test_flap_shorter_than_the_window_raises_nothing():
    station = online_station()
    health.stations_offline_sweep(now=T0 + 4 * MINUTE)
    health.station_connection_record(station_id=station.pk, connected=True, at=T0 + 4 * MINUTE)
    assert incidents.incidents_confirm_due(now=T0 + 30 * MINUTE) == []
    assert Incident.objects.get().status == Incident.Status.DISMISSED
    assert [status for status, _at in connectivity(station)] == ["Offline", "Online"]


def test_long_outage_opens_an_incident_that_resolves_on_reconnect():
    station = online_station()
    health.stations_offline_sweep(now=T0 + 4 * MINUTE)
    (incident_id,) = incidents.incidents_confirm_due(now=T0 + 6 * MINUTE)
    health.station_connection_record(station_id=station.pk, connected=True, at=T0 + 60 * MINUTE)
    incident = Incident.objects.get(pk=incident_id)
    assert (incident.status, incident.resolved_at, incident.severity) == (
        Incident.Status.RESOLVED,
        T0 + 60 * MINUTE,
        Incident.Severity.CRITICAL,
    )


def test_station_heard_from_again_without_a_reconnect_is_marked_online_by_the_sweep():
    station = online_station()
    health.stations_offline_sweep(now=T0 + 4 * MINUTE)
    station.last_seen_at = T0 + 10 * MINUTE
    station.save(update_fields=["last_seen_at"])
    assert health.stations_offline_sweep(now=T0 + 11 * MINUTE) == {"offline": [], "online": [station.pk]}
    assert connectivity(station)[-1] == ("Online", T0 + 10 * MINUTE)


def test_disconnect_alone_does_not_mark_offline():
    station = online_station()
    assert health.station_connection_record(station_id=station.pk, connected=False, at=T0) is False
    station.refresh_from_db()
    assert station.is_online
    assert not Incident.objects.exists()


def test_station_whose_socket_dropped_is_still_judged_by_silence():
    # The gateway clears is_online when the socket closes; silence still decides the outage.
    station = ChargingStationFactory(is_online=False, is_connected=False, last_seen_at=T0)
    assert health.stations_offline_sweep(now=T0 + 2 * MINUTE)["offline"] == []
    assert health.stations_offline_sweep(now=T0 + 3 * MINUTE)["offline"] == [station.pk]


def test_station_never_heard_from_and_not_online_is_left_alone():
    ChargingStationFactory(is_online=False, last_seen_at=None)
    assert health.stations_offline_sweep(now=T0) == {"offline": [], "online": []}
    assert not Incident.objects.exists()
