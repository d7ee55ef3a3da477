"""The raw escape hatch (admin form, `ocpp_send`) keeps the domain's rows true: starts and
stops go through the charge rule, cancellations through the reservation service."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from drivers.models import Reservation
from drivers.services import reservations
from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands
from stations.models import CommandRequest
from stations.services.charging import ChargeRefused
from stations.services.commands import CommandError, command_request
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reservation():
    connector = ConnectorFactory(station__is_connected=True)
    return reservations.reservation_request(
        token=TokenFactory(), station=connector.station, expires_at=timezone.now() + timedelta(minutes=15)
    )


def test_raw_cancel_of_an_open_reservation_goes_through_its_service(reservation):
    command = commands.raw_send(
        station=reservation.station, action="CancelReservation", payload={"reservationId": reservation.pk}
    )

    assert (command.action, command.parameters) == ("cancel_reservation", {"reservation": reservation.pk})
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.CANCEL_REQUESTED


def test_raw_cancel_of_an_ended_reservation_is_refused_and_nothing_is_sent(reservation):
    Reservation.objects.filter(pk=reservation.pk).update(status=Reservation.Status.EXPIRED)

    with pytest.raises(ValidationError):
        commands.raw_send(
            station=reservation.station, action="CancelReservation", payload={"reservationId": reservation.pk}
        )

    assert not CommandRequest.objects.filter(action__in=["raw", "cancel_reservation"]).exists()
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.EXPIRED


def test_raw_cancel_of_an_id_we_never_issued_goes_as_typed(reservation):
    command = commands.raw_send(
        station=reservation.station, action="CancelReservation", payload={"reservationId": 2**70}
    )

    assert (command.action, command.raw_action, command.parameters) == (
        "raw",
        "CancelReservation",
        {"reservationId": 2**70},
    )


def test_raw_start_must_name_a_connector():
    connector = ConnectorFactory(station__is_connected=True)

    with pytest.raises(ValidationError, match="connectorId"):
        commands.raw_send(station=connector.station, action="RemoteStartTransaction", payload={"idTag": "T1"})

    assert not CommandRequest.objects.exists()


def test_raw_stop_of_a_transaction_not_at_this_station_is_refused():
    connector = ConnectorFactory(station__is_connected=True)

    with pytest.raises(ChargeRefused) as refusal:
        commands.raw_send(station=connector.station, action="RemoteStopTransaction", payload={"transactionId": 4242})

    assert refusal.value.code == "session_unknown"
    assert not CommandRequest.objects.exists()


def test_queueing_a_raw_cancel_of_our_reservation_any_other_way_is_refused(reservation):
    with pytest.raises(CommandError, match="reservation service"):
        command_request(
            station=reservation.station,
            action="raw",
            raw_action="CancelReservation",
            parameters={"reservationId": reservation.pk},
        )

    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.REQUESTED
