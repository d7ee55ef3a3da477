"""`sessions/`: scoped reads with cost, start/stop through the outbox (202), 409 on a stopped session."""

from datetime import UTC, datetime

import pytest

from drivers.tests.factories import TokenFactory
from stations.models import ChargingSession, CommandRequest
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_session(driver):
    return ChargingSessionFactory(token=TokenFactory(driver=driver), energy_wh=5400)


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


def test_driver_starts_a_session_and_gets_202_with_the_queued_command(driver_client, driver):
    connector = ConnectorFactory(station=ChargingStationFactory(is_connected=True), connector_id=2)
    token = TokenFactory(driver=driver)

    response = driver_client.post(
        "/api/v1/sessions/start/",
        {"station": connector.station_id, "connector": 2, "token": token.pk},
        format="json",
    )

    assert response.status_code == 202, response.json()
    command = CommandRequest.objects.get(pk=response.json()["id"])
    assert command.action == "start"
    assert command.parameters == {"connector": 2, "id_tag": token.uid}
    assert command.source == CommandRequest.Source.API
    assert driver_client.get(f"/api/v1/commands/{command.pk}/").json()["status"] == "pending"


def test_start_with_another_drivers_token_is_a_field_error(driver_client, other_driver):
    connector = ConnectorFactory(station=ChargingStationFactory(is_connected=True))
    foreign_token = TokenFactory(driver=other_driver)

    response = driver_client.post(
        "/api/v1/sessions/start/",
        {"station": connector.station_id, "connector": 1, "token": foreign_token.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "token" in response.json()["errors"]
    assert not CommandRequest.objects.exists()


def test_start_on_an_offline_charger_or_with_a_blocked_token_is_a_conflict(driver_client, driver):
    offline = ConnectorFactory(station=ChargingStationFactory(is_connected=False))
    online = ConnectorFactory(station=ChargingStationFactory(is_connected=True))
    blocked = TokenFactory(driver=driver, status="blocked")

    offline_response = driver_client.post(
        "/api/v1/sessions/start/", {"station": offline.station_id, "connector": 1}, format="json"
    )
    blocked_response = driver_client.post(
        "/api/v1/sessions/start/", {"station": online.station_id, "connector": 1, "token": blocked.pk}, format="json"
    )

    assert offline_response.status_code == 409
    assert blocked_response.status_code == 409
    assert not CommandRequest.objects.exists()


def test_stop_queues_remote_stop_and_stopping_a_stopped_session_is_409(driver_client, own_session):
    response = driver_client.post(f"/api/v1/sessions/{own_session.pk}/stop/")

    assert response.status_code == 202
    assert response.json()["action"] == "stop"
    assert response.json()["parameters"] == {"session": own_session.pk}

    ChargingSession.objects.filter(pk=own_session.pk).update(status=ChargingSession.Status.COMPLETED)
    response = driver_client.post(f"/api/v1/sessions/{own_session.pk}/stop/")
    assert response.status_code == 409
    assert response.json()["type"] == "conflict"


def test_staff_must_name_a_token_to_start(staff_client):
    connector = ConnectorFactory(station=ChargingStationFactory(is_connected=True))

    response = staff_client.post(
        "/api/v1/sessions/start/", {"station": connector.station_id, "connector": 1}, format="json"
    )

    assert response.status_code == 400
    assert "token" in response.json()["errors"]


def test_date_filters_accept_any_iso_offset_and_reject_nonsense(staff_client):
    session = ChargingSessionFactory(started_at=datetime(2026, 1, 5, tzinfo=UTC))

    far_offset = staff_client.get("/api/v1/sessions/", {"started_after": "2026-01-04T10:00:00-13:00"})
    nonsense = staff_client.get("/api/v1/sessions/", {"started_after": "yesterday"})

    assert [item["id"] for item in far_offset.json()["results"]] == [session.pk]
    assert nonsense.status_code == 400
    assert "started_after" in nonsense.json()["errors"]
