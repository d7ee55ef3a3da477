"""`stations/{id}/commands/` and `commands/{id}/`: staff queue protocol-neutral command
requests (or a raw frame of the station's protocol) and read their outcome."""

import pytest

from config.tests.api_clients import client_for
from drivers.tests.factories import UserFactory
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db


def test_staff_queue_a_neutral_request_and_get_202_with_it(staff_client):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": "reset", "parameters": {"type": "soft"}},
        format="json",
    )

    assert response.status_code == 202, response.json()
    command = CommandRequest.objects.get(pk=response.json()["id"])
    assert (command.station_id, command.action, command.parameters) == (station.pk, "reset", {"type": "soft"})
    assert command.source == CommandRequest.Source.API
    detail = staff_client.get(f"/api/v1/commands/{command.pk}/").json()
    assert detail["status"] == "pending"
    assert [item["id"] for item in staff_client.get(f"/api/v1/stations/{station.pk}/commands/").json()["results"]] == [
        command.pk
    ]


def test_staff_send_a_raw_frame_of_the_stations_protocol(staff_client):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": "raw", "raw_action": "GetLocalListVersion", "parameters": {}},
        format="json",
    )

    assert response.status_code == 202, response.json()
    assert response.json()["raw_protocol"] == "ocpp1.6"
    assert CommandRequest.objects.get().raw_action == "GetLocalListVersion"


@pytest.mark.parametrize("action", ["SelfDestruct", "Reset", "start", "stop", "reserve", "cancel_reservation"])
def test_unknown_actions_and_those_with_their_own_rule_are_field_errors(staff_client, action):
    """start/stop/reserve go through sessions/… and reservations/…, which apply their rules."""
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/", {"action": action, "parameters": {}}, format="json"
    )

    assert response.status_code == 400
    assert "action" in response.json()["errors"]
    assert not CommandRequest.objects.exists()


def test_command_to_an_unknown_station_is_404(staff_client):
    response = staff_client.post("/api/v1/stations/999999/commands/", {"action": "clear_cache"}, format="json")

    assert response.status_code == 404


def test_only_staff_send_commands_and_others_see_only_what_they_asked_for(driver_client, owner_client, staff_user):
    station = ChargingStationFactory()
    staff_command = CommandRequest.objects.create(
        station=station,
        action="reset",
        parameters={"type": "hard"},
        requested_by=staff_user,
        expires_at="2030-01-01T00:00Z",
    )

    assert driver_client.post(f"/api/v1/stations/{station.pk}/commands/", {"action": "clear_cache"}).status_code == 403
    assert owner_client.get(f"/api/v1/stations/{station.pk}/commands/").status_code == 403
    assert driver_client.get(f"/api/v1/commands/{staff_command.pk}/").status_code == 404
    assert client_for(UserFactory()).get(f"/api/v1/commands/{staff_command.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("action", "parameters"),
    [
        ("reset", {"type": "sideways"}),
        ("unlock", {"connector": "one"}),
        ("unlock", {}),
        ("raw", {"type": "Sideways"}),
    ],
)
def test_parameters_that_do_not_fit_are_a_field_error_and_queue_nothing(staff_client, action, parameters):
    station = ChargingStationFactory()

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": action, "parameters": parameters, "raw_action": "Reset" if action == "raw" else ""},
        format="json",
    )

    assert response.status_code == 400
    assert "parameters" in response.json()["errors"]
    assert not CommandRequest.objects.exists()


@pytest.mark.parametrize(
    ("raw_action", "parameters"),
    [
        ("RemoteStartTransaction", {"connectorId": 1, "idTag": "ANYONE"}),
        ("RemoteStopTransaction", {"transactionId": 1}),
        ("ReserveNow", {"connectorId": 1, "idTag": "ANYONE", "reservationId": 1, "expiryDate": "2030-01-01T00:00:00Z"}),
    ],
)
def test_a_raw_frame_a_domain_rule_owns_is_refused_here(staff_client, raw_action, parameters):
    """Raw starts, stops and reservations would skip the charge and reservation rules:
    sessions/start/, sessions/{id}/stop/ and reservations/ (or the admin form) apply them."""
    station = ChargingStationFactory(is_connected=True)

    response = staff_client.post(
        f"/api/v1/stations/{station.pk}/commands/",
        {"action": "raw", "raw_action": raw_action, "parameters": parameters},
        format="json",
    )

    assert response.status_code == 400
    assert "goes through" in response.json()["errors"]["parameters"][0]
    assert not CommandRequest.objects.exists()
