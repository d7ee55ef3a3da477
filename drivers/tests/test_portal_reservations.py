"""Reserving a connector from the portal (ReserveNow) and cancelling it (CancelReservation)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from drivers.models import Reservation
from drivers.tests.factories import DriverFactory
from stations.models import CommandRequest
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client):
    driver = DriverFactory(email_verified_at=timezone.now())
    client.force_login(driver.user)
    return driver


def test_reserving_queues_reserve_now_and_cancelling_queues_cancel(client, driver):
    connector = ConnectorFactory(station__is_connected=True, connector_id=2)
    response = client.post(reverse("portal-reserve", args=[connector.pk]), {"minutes": 30})
    assert response.url == reverse("portal-reservations")
    reservation = Reservation.objects.get()
    assert (reservation.driver, reservation.connector_number) == (driver, 2)
    assert 29 * 60 < (reservation.expires_at - timezone.now()).total_seconds() <= 30 * 60
    reserve_now = CommandRequest.objects.get(action="reserve")
    assert reserve_now.parameters["reservation"] == reservation.pk and reserve_now.source == "portal"
    assert "Requested" in client.get(reverse("portal-reservations")).content.decode()

    client.post(reverse("portal-reservation-cancel", args=[reservation.pk]))
    assert CommandRequest.objects.get(action="cancel_reservation").parameters == {"reservation": reservation.pk}
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCEL_REQUESTED


def test_reserving_an_offline_charger_is_refused_with_a_message(client, driver):
    connector = ConnectorFactory(station__is_connected=False)
    response = client.post(reverse("portal-reserve", args=[connector.pk]), {"minutes": 15})
    assert "offline" in response.content.decode()
    assert not Reservation.objects.exists()


def test_only_offered_durations_are_accepted(client, driver):
    connector = ConnectorFactory(station__is_connected=True)
    response = client.post(reverse("portal-reserve", args=[connector.pk]), {"minutes": 600})
    assert response.context["form"].errors["minutes"]
    assert not Reservation.objects.exists()


def test_nobody_cancels_another_drivers_reservation(client, driver):
    other = DriverFactory(email_verified_at=timezone.now())
    connector = ConnectorFactory(station__is_connected=True)
    client.force_login(other.user)
    client.post(reverse("portal-reserve", args=[connector.pk]), {"minutes": 15})
    client.force_login(driver.user)
    reservation = Reservation.objects.get()
    assert client.post(reverse("portal-reservation-cancel", args=[reservation.pk])).status_code == 404
    assert not CommandRequest.objects.filter(action="cancel_reservation").exists()
