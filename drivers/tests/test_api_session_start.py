"""`sessions/start/`: a driver (or staff, naming a token) starts a charge through the charge
rule: 202 with the queued command, 400 for fields that do not fit, 409 with the refusal's code."""

import pytest
from django.utils import timezone

from drivers.tests.factories import DriverFactory, TokenFactory
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver():
    return DriverFactory(email_verified_at=timezone.now())


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


def test_start_on_an_offline_charger_or_with_a_blocked_token_is_a_conflict_with_its_code(driver_client, driver):
    offline = ConnectorFactory(station=ChargingStationFactory(is_connected=False))
    online = ConnectorFactory(station=ChargingStationFactory(is_connected=True))
    blocked = TokenFactory(driver=driver, status="blocked")

    offline_response = driver_client.post(
        "/api/v1/sessions/start/", {"station": offline.station_id, "connector": 1}, format="json"
    )
    blocked_response = driver_client.post(
        "/api/v1/sessions/start/", {"station": online.station_id, "connector": 1, "token": blocked.pk}, format="json"
    )

    assert (offline_response.status_code, offline_response.json()["code"]) == (409, "station_offline")
    assert (blocked_response.status_code, blocked_response.json()["code"]) == (409, "token_blocked")
    assert not CommandRequest.objects.exists()


def test_staff_must_name_a_token_to_start(staff_client):
    connector = ConnectorFactory(station=ChargingStationFactory(is_connected=True))

    response = staff_client.post(
        "/api/v1/sessions/start/", {"station": connector.station_id, "connector": 1}, format="json"
    )

    assert response.status_code == 400
    assert "token" in response.json()["errors"]


def test_start_command_expires_after_the_one_charge_command_lifetime(driver_client, driver, settings):
    settings.CHARGE_COMMAND_TTL_SECONDS = 45
    connector = ConnectorFactory(station=ChargingStationFactory(is_connected=True))

    response = driver_client.post(
        "/api/v1/sessions/start/", {"station": connector.station_id, "connector": 1}, format="json"
    )

    command = CommandRequest.objects.get(pk=response.json()["id"])
    assert 44 <= (command.expires_at - command.created_at).total_seconds() <= 46


def test_an_unknown_connector_is_a_field_error(driver_client):
    station = ChargingStationFactory(is_connected=True)

    response = driver_client.post("/api/v1/sessions/start/", {"station": station.pk, "connector": 7}, format="json")

    assert response.status_code == 400
    assert "connector" in response.json()["errors"]
