"""`reservations/` and `support-tickets/`: drivers' own, through the outbox and the portal's services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from drivers.models import Reservation, SupportTicket
from drivers.tests.factories import TokenFactory
from stations.models import CommandRequest
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


def _in(minutes: int) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def test_driver_reserves_a_connector_which_queues_reserve_now(driver_client, driver):
    connector = ConnectorFactory(connector_id=1)
    token = TokenFactory(driver=driver)

    response = driver_client.post(
        "/api/v1/reservations/",
        {"station": connector.station_id, "connector_number": 1, "token": token.pk, "expires_at": _in(30)},
        format="json",
    )

    assert response.status_code == 201, response.json()
    reservation = Reservation.objects.get(pk=response.json()["id"])
    command = CommandRequest.objects.get(action="reserve")
    assert command.parameters["reservation"] == reservation.pk
    assert command.parameters["id_tag"] == token.uid
    assert command.source == CommandRequest.Source.API


def test_reservation_in_the_past_or_with_anothers_token_is_rejected(driver_client, other_driver):
    station = ChargingStationFactory()
    foreign = TokenFactory(driver=other_driver)

    past = driver_client.post("/api/v1/reservations/", {"station": station.pk, "expires_at": _in(-5)}, format="json")
    stolen = driver_client.post(
        "/api/v1/reservations/", {"station": station.pk, "token": foreign.pk, "expires_at": _in(30)}, format="json"
    )

    assert past.status_code == stolen.status_code == 400
    assert "expires_at" in past.json()["errors"]
    assert "token" in stolen.json()["errors"]
    assert not Reservation.objects.exists()


def test_cancelling_queues_cancel_reservation_and_cancelling_an_ended_one_conflicts(driver_client, other_driver_client):
    station = ChargingStationFactory()
    created = driver_client.post("/api/v1/reservations/", {"station": station.pk, "expires_at": _in(30)}, format="json")
    reservation_id = created.json()["id"]

    assert other_driver_client.post(f"/api/v1/reservations/{reservation_id}/cancel/").status_code == 404
    cancelled = driver_client.post(f"/api/v1/reservations/{reservation_id}/cancel/")
    assert cancelled.json()["status"] == Reservation.Status.CANCEL_REQUESTED
    assert CommandRequest.objects.filter(action="cancel_reservation").count() == 1

    Reservation.objects.filter(pk=reservation_id).update(status=Reservation.Status.EXPIRED)
    assert driver_client.post(f"/api/v1/reservations/{reservation_id}/cancel/").status_code == 409


def test_driver_opens_a_ticket_about_own_session_and_staff_reply(driver_client, staff_client, driver):
    session = ChargingSessionFactory(token=TokenFactory(driver=driver))

    created = driver_client.post(
        "/api/v1/support-tickets/",
        {"subject": "Charged twice", "topic": "billing", "session": session.pk, "body": "Please check."},
        format="json",
    )
    assert created.status_code == 201, created.json()
    ticket_id = created.json()["id"]

    reply = staff_client.post(f"/api/v1/support-tickets/{ticket_id}/messages/", {"body": "Refunded."}, format="json")

    assert reply.status_code == 201
    ticket = driver_client.get(f"/api/v1/support-tickets/{ticket_id}/").json()
    assert ticket["status"] == SupportTicket.Status.ANSWERED
    assert [(m["from_staff"], m["body"]) for m in ticket["messages"]] == [(False, "Please check."), (True, "Refunded.")]
    assert driver_client.post(f"/api/v1/support-tickets/{ticket_id}/close/").json()["status"] == "closed"


def test_tickets_are_private_and_about_own_sessions_only(driver_client, other_driver_client, other_driver):
    foreign_session = ChargingSessionFactory(token=TokenFactory(driver=other_driver))
    theirs = other_driver_client.post(
        "/api/v1/support-tickets/", {"subject": "Hi", "body": "Help"}, format="json"
    ).json()["id"]

    about_foreign = driver_client.post(
        "/api/v1/support-tickets/", {"subject": "x", "body": "y", "session": foreign_session.pk}, format="json"
    )

    assert driver_client.get(f"/api/v1/support-tickets/{theirs}/").status_code == 404
    assert driver_client.post(f"/api/v1/support-tickets/{theirs}/messages/", {"body": "hi"}).status_code == 404
    assert about_foreign.status_code == 400
    assert "session" in about_foreign.json()["errors"]
