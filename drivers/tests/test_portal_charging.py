"""Starting, following and stopping a charge from the portal, through the command outbox."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services.cdrs import session_price
from billing.tests.factories import completed_session, energy_tariff
from drivers.models import Token
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.models import ChargingSession, CommandRequest
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client):
    driver = DriverFactory(email_verified_at=timezone.now())
    client.force_login(driver.user)
    return driver


@pytest.fixture
def connector():
    return ConnectorFactory(station__is_connected=True, station__is_online=True)


def _start(client, connector):
    return client.post(reverse("portal-charge-start", args=[connector.pk]))


def test_start_queues_remote_start_with_the_drivers_app_token(client, driver, connector):
    response = _start(client, connector)
    command = CommandRequest.objects.get()
    assert response.url == reverse("portal-command", args=[command.pk])
    token = driver.tokens.get(kind=Token.Kind.APP)
    assert (command.action, command.source, command.requested_by) == ("start", "portal", driver.user)
    assert command.parameters == {"connector": connector.connector_id, "id_tag": token.uid}
    _start(client, connector)
    assert driver.tokens.filter(kind=Token.Kind.APP).count() == 1


def test_start_is_refused_until_the_email_is_verified(client, connector):
    driver = DriverFactory()
    client.force_login(driver.user)
    response = _start(client, connector)
    assert response.url == reverse("portal-site", args=[connector.station.site_id])
    assert not CommandRequest.objects.exists()
    page = client.get(response.url)
    assert "confirm your e-mail" in page.content.decode()


def test_start_on_an_offline_charger_is_refused_with_a_clear_message(client, driver):
    offline = ConnectorFactory(station__is_connected=False)
    page = client.post(reverse("portal-charge-start", args=[offline.pk]), follow=True)
    assert "offline" in page.content.decode()
    assert not CommandRequest.objects.exists()


def test_start_needs_login(client, connector):
    client.logout()
    response = _start(client, connector)
    assert response.status_code == 302 and reverse("login") in response.url


def test_command_status_leads_to_the_session_once_the_charger_opened_it(client, driver, connector):
    _start(client, connector)
    command = CommandRequest.objects.get()
    status_url = reverse("portal-command-status", args=[command.pk])
    assert client.get(status_url).json()["session_url"] is None
    CommandRequest.objects.filter(pk=command.pk).update(status=CommandRequest.Status.ACCEPTED)
    session = ChargingSessionFactory(
        station=connector.station, connector=connector, token=driver.tokens.get(), id_tag=driver.tokens.get().uid
    )
    assert client.get(status_url).json()["session_url"] == reverse("portal-session", args=[session.pk])


def test_a_refused_start_says_so(client, driver, connector):
    _start(client, connector)
    CommandRequest.objects.update(status=CommandRequest.Status.REJECTED)
    state = client.get(reverse("portal-command-status", args=[CommandRequest.objects.get().pk])).json()
    assert state["final"] and "refused" in state["message"]


def test_stop_queues_remote_stop_for_the_drivers_running_session(client, driver, connector):
    session = ChargingSessionFactory(connector=connector, station=connector.station, token=TokenFactory(driver=driver))
    client.post(reverse("portal-session-stop", args=[session.pk]))
    command = CommandRequest.objects.get()
    assert (command.action, command.parameters) == ("stop", {"session": session.pk})
    page = client.get(reverse("portal-session", args=[session.pk]))
    assert page.status_code == 200 and "Stopping" in page.content.decode()


def test_nobody_sees_or_stops_another_drivers_session_or_request(client, driver, connector):
    session = ChargingSessionFactory(connector=connector, station=connector.station, token=TokenFactory())
    assert client.get(reverse("portal-session", args=[session.pk])).status_code == 404
    assert client.get(reverse("portal-session-status", args=[session.pk])).status_code == 404
    assert client.post(reverse("portal-session-stop", args=[session.pk])).status_code == 404
    other = CommandRequest.objects.create(
        station=connector.station,
        action="start",
        parameters={"connector": 1, "id_tag": "SOMEONE"},
        source="portal",
        expires_at=timezone.now(),
    )
    assert client.get(reverse("portal-command-status", args=[other.pk])).status_code == 404
    assert not CommandRequest.objects.exclude(pk=other.pk).exists()


def test_history_lists_the_drivers_sessions(client, driver, connector):
    token = TokenFactory(driver=driver)
    mine = ChargingSessionFactory(
        connector=connector, station=connector.station, token=token, status=ChargingSession.Status.COMPLETED
    )
    ChargingSessionFactory(connector=connector, station=connector.station, token=TokenFactory(), meter_start_wh=5)
    response = client.get(reverse("portal-sessions"))
    assert [row["session"] for row in response.context["rows"]] == [mine]


def test_history_and_receipt_show_the_priced_cost(client, driver):
    session = completed_session(driver=driver, energy_wh=20000)
    energy_tariff(site=session.station.site, price="0.40", vat="0")
    cdr = session_price(session_id=session.pk)
    assert cdr.total_incl_vat == Decimal("8.00")
    history = client.get(reverse("portal-sessions")).content.decode()
    assert "€8.00" in history and "20.00 kWh" in history
    receipt = client.get(reverse("portal-session", args=[session.pk])).content.decode()
    assert 'id="cdr-total">€8.00' in receipt


def test_a_stop_the_charger_refuses_is_reported_on_the_session_page(client, driver, connector):
    session = ChargingSessionFactory(connector=connector, station=connector.station, token=TokenFactory(driver=driver))
    response = client.post(reverse("portal-session-stop", args=[session.pk]))
    command = CommandRequest.objects.get(action="stop")
    assert response.url == f"{reverse('portal-session', args=[session.pk])}?stop={command.pk}"
    page = client.get(response.url).content.decode()
    assert reverse("portal-command-status", args=[command.pk]) in page
    CommandRequest.objects.filter(pk=command.pk).update(status=CommandRequest.Status.REJECTED)
    state = client.get(reverse("portal-command-status", args=[command.pk])).json()
    assert state["final"] and "refused to stop" in state["message"]
