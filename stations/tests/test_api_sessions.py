"""`sessions/`: scoped reads with cost, stop through the charge rule (202), 409 with a code on a
stopped session. Starting is drivers' (drivers/tests/test_api_session_start.py)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services.cdrs import session_price
from billing.tests.factories import completed_session, energy_tariff
from drivers.tests.factories import TokenFactory
from stations.models import ChargingSession, ChargingStation, CommandRequest
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_session(driver):
    station = ChargingStationFactory(is_connected=True)
    return ChargingSessionFactory(station=station, token=TokenFactory(driver=driver), energy_wh=5400)


def test_driver_lists_own_sessions_with_energy_duration_and_cost(driver_client, own_session, other_driver):
    ChargingSessionFactory(token=TokenFactory(driver=other_driver))

    results = driver_client.get("/api/v1/sessions/").json()["results"]

    assert [session["id"] for session in results] == [own_session.pk]
    [session] = results
    assert session["energy_wh"] == 5400
    assert session["status"] == "active"
    assert session["duration_seconds"] >= 0
    assert set(session["cost"]) == {"amount", "currency", "final"}
    assert session["cost"]["final"] is False


def test_another_drivers_session_is_404_to_read_and_to_stop(driver_client, other_driver):
    foreign = ChargingSessionFactory(token=TokenFactory(driver=other_driver))

    assert driver_client.get(f"/api/v1/sessions/{foreign.pk}/").status_code == 404
    assert driver_client.post(f"/api/v1/sessions/{foreign.pk}/stop/").status_code == 404
    assert not CommandRequest.objects.exists()


def test_owner_sees_sessions_at_own_stations_only_and_cannot_stop(owner_client, owner_organisation):
    station = ChargingStationFactory(owner=owner_organisation, agreement=None)
    at_own = ChargingSessionFactory(station=station)
    elsewhere = ChargingSessionFactory()

    listed = [session["id"] for session in owner_client.get("/api/v1/sessions/").json()["results"]]

    assert listed == [at_own.pk]
    assert owner_client.get(f"/api/v1/sessions/{elsewhere.pk}/").status_code == 404
    assert owner_client.post(f"/api/v1/sessions/{at_own.pk}/stop/").status_code == 403


def test_sessions_filter_by_status_station_and_date_range(staff_client):
    early = ChargingSessionFactory(started_at=datetime(2026, 1, 5, tzinfo=UTC))
    late = ChargingSessionFactory(started_at=datetime(2026, 3, 5, tzinfo=UTC), status=ChargingSession.Status.COMPLETED)

    def ids(**params):
        return [session["id"] for session in staff_client.get("/api/v1/sessions/", params).json()["results"]]

    assert ids() == [late.pk, early.pk]
    assert ids(status="completed") == [late.pk]
    assert ids(station=early.station_id) == [early.pk]
    assert ids(started_after="2026-02-01T00:00:00Z") == [late.pk]
    assert ids(started_before="2026-02-01T00:00:00Z") == [early.pk]
    assert ids(ordering="started_at") == [early.pk, late.pk]


def test_stop_queues_remote_stop_and_stopping_a_stopped_session_is_409(driver_client, own_session):
    response = driver_client.post(f"/api/v1/sessions/{own_session.pk}/stop/")

    assert response.status_code == 202
    assert response.json()["action"] == "stop"
    assert response.json()["parameters"] == {"session": own_session.pk}

    ChargingSession.objects.filter(pk=own_session.pk).update(status=ChargingSession.Status.COMPLETED)
    response = driver_client.post(f"/api/v1/sessions/{own_session.pk}/stop/")
    assert response.status_code == 409
    assert (response.json()["type"], response.json()["code"]) == ("conflict", "session_ended")


def test_stop_at_an_offline_charger_is_409_with_a_code(driver_client, own_session):
    """Stricter than before (the stop was queued to wait for the charger): every door now
    refuses a stop the charger cannot hear, as it refuses a start."""
    ChargingStation.objects.filter(pk=own_session.station_id).update(is_connected=False)

    response = driver_client.post(f"/api/v1/sessions/{own_session.pk}/stop/")

    assert (response.status_code, response.json()["code"]) == (409, "station_offline")
    assert not CommandRequest.objects.exists()


def test_date_filters_accept_any_iso_offset_and_reject_nonsense(staff_client):
    session = ChargingSessionFactory(started_at=datetime(2026, 1, 5, tzinfo=UTC))

    far_offset = staff_client.get("/api/v1/sessions/", {"started_after": "2026-01-04T10:00:00-13:00"})
    nonsense = staff_client.get("/api/v1/sessions/", {"started_after": "yesterday"})

    assert [item["id"] for item in far_offset.json()["results"]] == [session.pk]
    assert nonsense.status_code == 400
    assert "started_after" in nonsense.json()["errors"]


def test_listing_sessions_costs_the_same_queries_for_more_sessions(staff_client):
    """The token link and the priced sessions' costs are read with the page, not one
    session at a time."""
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")

    def priced_sessions(count):
        for _ in range(count):
            session_price(session_id=completed_session(connector=connector).pk)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get("/api/v1/sessions/")
        assert all(item["token"] and item["cost"]["final"] for item in response.json()["results"])
        return len(captured.captured_queries)

    priced_sessions(2)
    with_two = queries()
    priced_sessions(3)

    assert queries() == with_two
