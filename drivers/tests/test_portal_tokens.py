"""Cards and vehicles in the portal: blocking a lost card reaches chargers' local lists."""

import pytest
from django.urls import reverse
from django.utils import timezone

from drivers.models import Token, Vehicle
from drivers.services import tokens
from drivers.tests.factories import DriverFactory, TokenFactory
from ocpp_gateway.models import ConfigurationKey, StationProtocolState
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    return driver


def test_blocking_a_lost_card_updates_chargers_that_keep_a_local_list(client, driver):
    card = TokenFactory(driver=driver, uid="LOSTCARD1")
    with_list = ChargingStationFactory()
    StationProtocolState.objects.create(station=with_list, local_list_version=4)
    enabled_by_config = ChargingStationFactory()
    ConfigurationKey.objects.create(
        station=enabled_by_config, key="LocalAuthListEnabled", value="true", updated_at=timezone.now()
    )
    without_list = ChargingStationFactory()
    StationProtocolState.objects.create(station=without_list, local_list_version=-1)

    response = client.post(reverse("portal-token-block", args=[card.pk]), follow=True)
    assert "is blocked" in response.content.decode()
    card.refresh_from_db()
    assert card.status == Token.Status.BLOCKED
    sent = {c.station_id: c.parameters for c in CommandRequest.objects.filter(action="send_local_list")}
    assert set(sent) == {with_list.pk, enabled_by_config.pk}
    assert sent[with_list.pk] == {
        "version": 5,
        "update": "differential",
        "entries": [{"id_tag": "LOSTCARD1", "status": "blocked"}],
    }


def test_blocking_again_sends_nothing_more():
    card = TokenFactory()
    StationProtocolState.objects.create(station=ChargingStationFactory(), local_list_version=1)
    tokens.token_block(token=card)
    tokens.token_block(token=card)
    assert CommandRequest.objects.filter(action="send_local_list").count() == 1


def test_queued_list_updates_get_increasing_versions():
    station = ChargingStationFactory()
    StationProtocolState.objects.create(station=station, local_list_version=7)
    tokens.token_block(token=TokenFactory())
    tokens.token_block(token=TokenFactory())
    versions = sorted(c.parameters["version"] for c in CommandRequest.objects.filter(action="send_local_list"))
    assert versions == [8, 9]


def test_a_driver_cannot_block_another_drivers_card(client, driver):
    other_card = TokenFactory()
    assert client.post(reverse("portal-token-block", args=[other_card.pk])).status_code == 404
    other_card.refresh_from_db()
    assert other_card.status == Token.Status.VALID


def test_add_and_remove_a_vehicle_with_validation(client, driver):
    bad = client.post(reverse("portal-tokens"), {"make": "Kia", "model": "EV6", "battery_kwh": "9999"})
    assert bad.context["form"].errors["battery_kwh"]
    client.post(reverse("portal-tokens"), {"make": "Kia", "model": "EV6", "battery_kwh": "77.4"})
    vehicle = Vehicle.objects.get(driver=driver)
    assert str(vehicle) == "Kia EV6"
    client.post(reverse("portal-vehicle-remove", args=[vehicle.pk]))
    assert not Vehicle.objects.exists()
