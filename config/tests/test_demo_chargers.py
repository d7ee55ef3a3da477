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
