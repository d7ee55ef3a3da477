"""The demo's simulated chargers against a real uvicorn: a station connects, boots and
reports its connector; a driver's start through the portal's service makes it charge and
report energy."""

import asyncio
import time

import pytest
from django.utils import timezone

from config import demo_chargers
from drivers.models import Token
from drivers.services.charging import charge_start_for_driver
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.models import ChargingSession, ChargingStation, Connector
from stations.tests.factories import STATION_PASSWORD, ChargingStationFactory, ConnectorFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def _wait(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_a_demo_charger_connects_and_charges_when_a_driver_starts(asgi_server, monkeypatch):
    monkeypatch.setattr(demo_chargers, "METER_SECONDS", 1)
    connector = ConnectorFactory(station=ChargingStationFactory(identity="VW-TEST-01"))
    driver = DriverFactory(email_verified_at=timezone.now())
    TokenFactory(driver=driver, kind=Token.Kind.APP)

    async def scenario():
        charger = asyncio.create_task(
            demo_chargers.run_charger(
                base_url=asgi_server, identity="VW-TEST-01", password=STATION_PASSWORD, connector_ids=(1,)
            )
        )
        try:
            await asyncio.to_thread(
                _wait,
                lambda: ChargingStation.objects.filter(
                    pk=connector.station.pk, is_connected=True, is_online=True
                ).exists(),
            )
            # Read again: the server changed the station's link state since the factory made it.
            fresh = await asyncio.to_thread(Connector.objects.select_related("station").get, pk=connector.pk)
            await asyncio.to_thread(charge_start_for_driver, driver=driver, connector=fresh, source="portal")
            await asyncio.to_thread(
                _wait,
                lambda: ChargingSession.objects.filter(
                    station=connector.station, status="active", energy_wh__gt=0
                ).exists(),
            )
        finally:
            charger.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 90))
    connector.refresh_from_db()
    assert connector.status == "Charging"


def _profile(purpose: str, unit: str, limit: float) -> dict:
    return {
        "charging_profile_id": 1,
        "stack_level": 0,
        "charging_profile_purpose": purpose,
        "charging_profile_kind": "Absolute",
        "charging_schedule": {
            "charging_rate_unit": unit,
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
        },
    }


def test_demo_chargers_draw_what_load_management_allows():
    charger = demo_chargers.DemoCharger("VW-TEST-02", None, connector_ids=(1, 2))
    assert charger.power_w(1) == demo_chargers.POWER_W

    charger.on_set_charging_profile(connector_id=0, cs_charging_profiles=_profile("TxDefaultProfile", "A", 8))
    assert charger.power_w(1) == charger.power_w(2) == 8 * 230 * 3
    charger.on_set_charging_profile(connector_id=2, cs_charging_profiles=_profile("TxProfile", "W", 4000))
    assert (charger.power_w(1), charger.power_w(2)) == (5520, 4000)
    charger.on_set_charging_profile(connector_id=1, cs_charging_profiles=_profile("TxProfile", "A", 0))
    assert charger.power_w(1) == 0  # paused

    charger.on_clear_charging_profile(connector_id=1, charging_profile_purpose="TxProfile")
    assert charger.power_w(1) == 5520
    charger.on_clear_charging_profile()
    assert charger.power_w(1) == charger.power_w(2) == demo_chargers.POWER_W
