"""The admin's station page: live connectors, commands as named buttons (disruptive ones
confirmed first, all through the dashboard's command service), recent commands in words,
recent sessions, and the gateway's configuration and message-log panels."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services.cdrs import session_price
from billing.tests.factories import completed_session, energy_tariff
from ocpp_gateway.models import ConfigurationKey, MessageLog
from stations.models import ChargingSession, CommandRequest
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    station = connector.station
    station.site.time_zone = "Europe/Berlin"
    station.site.save()
    return connector


def _page(staff_client, station) -> str:
    response = staff_client.get(reverse("admin:stations_chargingstation_change", args=[station.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_station_page_shows_connectors_sessions_configuration_and_log(staff_client, connector):
    station = connector.station
    ChargingSessionFactory(station=station, connector=connector, status=ChargingSession.Status.ACTIVE)
    ConfigurationKey.objects.create(station=station, key="HeartbeatInterval", value="300", updated_at=timezone.now())
    MessageLog.objects.create(
        station=station,
        direction="in",
        message_type=2,
        action="StatusNotification",
        payload={"connectorId": 1, "status": "Charging", "errorCode": "NoError"},
        created_at=timezone.now() - timedelta(minutes=1),
    )
    page = _page(staff_client, station)
    assert "Connectors now" in page and "Recent sessions" in page
    assert "HeartbeatInterval" in page and "StatusNotification" in page
    assert "Europe/Berlin" in page and ("CET" in page or "CEST" in page)
    for label in ("Restart (soft reset)", "Unlock the cable", "Take out of service", "Read its configuration"):
        assert label in page
    assert "CancelReservation" not in page


def test_a_harmless_command_is_queued_at_once_and_reads_as_words(staff_client, connector):
    station = connector.station
    url = reverse("admin:stations_chargingstation_command", args=[station.pk])
    response = staff_client.post(url, {"kind": "get_configuration"})
    assert response.status_code == 302
    command = CommandRequest.objects.get(station=station)
    assert command.action == CommandRequest.Action.GET_CONFIGURATION and command.source == "admin"
    CommandRequest.objects.filter(pk=command.pk).update(
        status=CommandRequest.Status.ACCEPTED, result={"keys": [{"key": "A"}, {"key": "B"}]}
    )
    page = _page(staff_client, station)
    assert "Accepted · 2 keys read" in page and '"keys"' not in page


def test_a_disruptive_command_asks_for_confirmation_first(staff_client, connector):
    station = connector.station
    url = reverse("admin:stations_chargingstation_command", args=[station.pk])
    confirm = staff_client.post(url, {"kind": "reset_hard"})
    assert confirm.status_code == 200 and "Yes, send it" in confirm.content.decode()
    assert not CommandRequest.objects.exists()

    staff_client.post(url, {"kind": "reset_hard", "confirmed": "yes"})
    reset = CommandRequest.objects.get()
    assert reset.action == CommandRequest.Action.RESET and reset.parameters == {"type": "hard"}

    staff_client.post(url, {"kind": "inoperative", "connector": "1", "confirmed": "yes"})
    assert CommandRequest.objects.filter(action="set_availability", parameters__operative=False).exists()


def test_an_unknown_connector_is_refused_with_a_message(staff_client, connector):
    url = reverse("admin:stations_chargingstation_command", args=[connector.station.pk])
    response = staff_client.post(url, {"kind": "unlock", "connector": "9", "confirmed": "yes"}, follow=True)
    assert "has no connector 9" in response.content.decode()
    assert not CommandRequest.objects.exists()


def test_session_list_shows_status_energy_and_cost_in_few_columns(staff_client, connector):
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    session_price(session_id=completed_session(connector=connector, energy_wh=20000).pk)
    page = staff_client.get(reverse("admin:stations_chargingsession_changelist")).content.decode()
    assert "20.00" in page and "9.52 EUR" in page and "1 h 00 min" in page and "UTC" in page
