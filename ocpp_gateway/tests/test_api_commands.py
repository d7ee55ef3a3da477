"""`stations/{id}/commands/` and `commands/{id}/`: staff send OCPP calls through the outbox."""

import pytest

from config.tests.api_clients import client_for
from drivers.tests.factories import UserFactory
from ocpp_gateway.models import Command
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db


def test_staff_sends_a_command_and_gets_202_with_it(staff_client):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": "Reset", "payload": {"type": "Soft"}},
        format="json",
    )

    assert response.status_code == 202, response.json()
    command = Command.objects.get(pk=response.json()["id"])
    assert (command.station_id, command.action, command.payload) == (station.pk, "Reset", {"type": "Soft"})
    assert command.source == Command.Source.API
    detail = staff_client.get(f"/api/v1/commands/{command.pk}/").json()
    assert detail["status"] == "pending"
    assert [item["id"] for item in staff_client.get(f"/api/v1/stations/{station.pk}/commands/").json()["results"]] == [
        command.pk
    ]


def test_an_unknown_action_is_a_field_error(staff_client):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/", {"action": "SelfDestruct", "payload": {}}, format="json"
    )

    assert response.status_code == 400
    assert "action" in response.json()["errors"]
    assert not Command.objects.exists()


def test_command_to_an_unknown_station_is_404(staff_client):
    response = staff_client.post("/api/v1/stations/999999/commands/", {"action": "ClearCache"}, format="json")

    assert response.status_code == 404


def test_only_staff_send_commands_and_others_see_only_what_they_asked_for(driver_client, owner_client, staff_user):
    station = ChargingStationFactory()
    staff_command = Command.objects.create(
        station=station,
        action="Reset",
        payload={"type": "Hard"},
        requested_by=staff_user,
        expires_at="2030-01-01T00:00Z",
    )

    assert driver_client.post(f"/api/v1/stations/{station.pk}/commands/", {"action": "ClearCache"}).status_code == 403
    assert owner_client.get(f"/api/v1/stations/{station.pk}/commands/").status_code == 403
    assert driver_client.get(f"/api/v1/commands/{staff_command.pk}/").status_code == 404
    assert client_for(UserFactory()).get(f"/api/v1/commands/{staff_command.pk}/").status_code == 404


def test_a_payload_off_the_ocpp_schema_is_a_field_error_and_queues_nothing(staff_client):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": "Reset", "payload": {"type": "Sideways"}},
        format="json",
    )

    assert response.status_code == 400
    assert "payload" in response.json()["errors"]
    assert not Command.objects.exists()
