"""Staff send commands from the admin (stations and connectors) with a form built from
the action's schema, and see the outbox and the message log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drivers.models import Reservation
from drivers.services import reservations
from drivers.tests.factories import TokenFactory, UserFactory
from ocpp_gateway import device_model, message_log
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_station_action_leads_to_action_choice_then_parameter_form(staff_client):
    stations = [ChargingStationFactory(), ChargingStationFactory()]
    response = staff_client.post(
        reverse("admin:stations_chargingstation_changelist"),
        {"action": "send_ocpp_command", "_selected_action": [s.pk for s in stations]},
    )
    assert response.status_code == 302
    choose = staff_client.get(response["Location"])
    assert b"RemoteStartTransaction" in choose.content
    url = response["Location"] + "&action=Reset"
    form = staff_client.get(url)
    assert b'name="type"' in form.content
    sent = staff_client.post(url, {"type": "Hard"})
    assert sent.status_code == 302
    commands = CommandRequest.objects.filter(action="raw", raw_action="Reset")
    assert sorted(commands.values_list("station_id", flat=True)) == sorted(s.pk for s in stations)
    assert {(c.parameters["type"], c.raw_protocol, c.source) for c in commands} == {("Hard", "ocpp1.6", "admin")}
    assert all(c.requested_by.is_staff for c in commands)


def test_connector_action_fills_in_the_connector_number(staff_client):
    connector = ConnectorFactory(connector_id=2)
    response = staff_client.post(
        reverse("admin:stations_connector_changelist"),
        {"action": "send_ocpp_command_to_connectors", "_selected_action": [connector.pk]},
    )
    url = response["Location"] + "&action=UnlockConnector"
    staff_client.post(url, {"connectorId": "1"})
    assert CommandRequest.objects.get().parameters == {"connectorId": 2}


def test_invalid_parameters_are_shown_and_nothing_is_queued(staff_client):
    station = ChargingStationFactory()
    url = reverse("admin:ocpp_gateway_command_send") + f"?stations={station.pk}&action=RemoteStartTransaction"
    response = staff_client.post(url, {"idTag": "T" * 21})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not CommandRequest.objects.exists()


def test_outbox_and_message_log_pages_render(staff_client):
    station = ChargingStationFactory()
    staff_client.post(reverse("admin:ocpp_gateway_command_send") + f"?stations={station.pk}&action=ClearCache", {})
    command = CommandRequest.objects.get()
    message_log.record(station_id=station.pk, direction="in", message_type=2, action="Heartbeat", at=timezone.now())
    for name in ("stations_commandrequest_changelist", "ocpp_gateway_messagelog_changelist"):
        assert staff_client.get(reverse(f"admin:{name}")).status_code == 200
    assert staff_client.get(reverse("admin:stations_commandrequest_change", args=[command.pk])).status_code == 200


def test_non_staff_cannot_send(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:ocpp_gateway_command_send"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_cancel_reservation_from_the_admin_queues_cancel_reservation(staff_client):
    connector = ConnectorFactory()
    reservation = reservations.reservation_request(
        token=TokenFactory(), station=connector.station, expires_at=timezone.now() + timedelta(hours=1)
    )
    staff_client.post(
        reverse("admin:drivers_reservation_changelist"),
        {"action": "cancel_reservations", "_selected_action": [reservation.pk]},
    )
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCEL_REQUESTED
    cancel = CommandRequest.objects.get(action="cancel_reservation")
    assert (cancel.parameters, cancel.source) == ({"reservation": reservation.pk}, "admin")


def test_reserve_now_from_the_admin_creates_the_reservation_and_cancel_ends_it(staff_client):
    connector = ConnectorFactory()
    token = TokenFactory()
    base = reverse("admin:ocpp_gateway_command_send") + f"?stations={connector.station_id}"
    form = staff_client.get(base + "&action=ReserveNow")
    assert b'name="reservationId"' not in form.content
    staff_client.post(
        base + "&action=ReserveNow",
        {"connectorId": "1", "idTag": token.uid, "expiryDate": "2030-01-01 12:00"},
    )
    reservation = Reservation.objects.get()
    assert (reservation.token, reservation.connector_number, reservation.status) == (token, 1, "requested")
    assert CommandRequest.objects.get(action="reserve").parameters["reservation"] == reservation.pk
    staff_client.post(base + "&action=CancelReservation", {"reservationId": str(reservation.pk)})
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCEL_REQUESTED
    assert CommandRequest.objects.get(action="cancel_reservation").requested_by.is_staff


def test_reserve_now_for_an_unknown_id_tag_is_refused_in_the_form(staff_client):
    connector = ConnectorFactory()
    url = reverse("admin:ocpp_gateway_command_send") + f"?stations={connector.station_id}&action=ReserveNow"
    response = staff_client.post(url, {"connectorId": "1", "idTag": "NOBODY", "expiryDate": "2030-01-01 12:00"})
    assert b"No token with this idTag" in response.content
    assert not Reservation.objects.exists()
    assert not CommandRequest.objects.exists()


def test_a_201_stations_page_shows_its_device_model_and_the_device_model_is_browsable(staff_client):
    station = ChargingStationFactory(ocpp_protocol="ocpp2.0.1")
    device_model.report_store(
        station_id=station.pk,
        report_data=[
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variable_attribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
            },
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variable_attribute": [{"type": "MaxSet", "value": "22000"}],
            },
        ],
        at=timezone.now(),
    )
    page = staff_client.get(reverse("admin:stations_chargingstation_change", args=[station.pk])).content.decode()
    assert "Device model" in page and "HeartbeatInterval" in page and "ReadWrite" in page
    assert "22000" not in page  # the panel shows actual values; MaxSet is in the full list
    listing = staff_client.get(
        reverse("admin:ocpp_gateway_devicevariable_changelist") + f"?station__id__exact={station.pk}"
    )
    assert listing.status_code == 200 and "22000" in listing.content.decode()


def test_the_send_form_speaks_the_stations_version(staff_client):
    station = ChargingStationFactory(ocpp_protocol="ocpp2.0.1")
    response = staff_client.post(
        reverse("admin:stations_chargingstation_changelist"),
        {"action": "send_ocpp_command", "_selected_action": [station.pk]},
    )
    choose = staff_client.get(response["Location"]).content.decode()
    assert "RequestStartTransaction" in choose and "RemoteStartTransaction" not in choose
    url = response["Location"] + "&action=Reset"
    form = staff_client.get(url).content.decode()
    assert 'value="Immediate"' in form and 'value="OnIdle"' in form
    assert staff_client.post(url, {"type": "Immediate"}).status_code == 302
    command = CommandRequest.objects.get(station=station)
    assert (command.raw_action, command.raw_protocol, command.parameters) == (
        "Reset",
        "ocpp2.0.1",
        {"type": "Immediate"},
    )
