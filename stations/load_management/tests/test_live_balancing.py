"""Site load management end to end: real OCPP 1.6 chargers (the `ocpp` package) over real
sockets to a real uvicorn, a real Celery worker running the control loop, PostgreSQL and
Redis. The chargers obey the profiles they receive: each draws its session's TxProfile
limit, or its TxDefaultProfile until that arrives. Sessions start and stop in random
order; the sum of what they draw never exceeds the site's limit, and a share freed by a
StopTransaction reaches the others within FREED_SHARE_SECONDS."""

import asyncio
import random
import time
from decimal import Decimal
from functools import partial

import pytest
from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import SimulatedCharger, connected, now_iso, run
from stations.load_management.models import LoadEvent, LoadNode, SiteLoadPolicy
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CHARGERS = 20
SITE_LIMIT_A = 100
# 95 A after the 5 % margin: fifteen 6 A minimums fit, five sessions wait paused.
CHARGING_AT_ONCE = 15
FREED_SHARE_SECONDS = 10
CAR_MAX_A = 32.0


class ObedientCharger(SimulatedCharger):
    """Draws what its profiles allow: the TxProfile of its transaction, else its
    TxDefaultProfile, else its maximum (no profile at all)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_limit: float | None = None
        self.tx_limits: dict[int, float] = {}
        self.transaction_id: int | None = None
        self.observe = lambda: None  # called after every change of what it draws

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **payload):
        self._record("SetChargingProfile", connector_id=connector_id, cs_charging_profiles=cs_charging_profiles)
        limit = float(cs_charging_profiles["charging_schedule"]["charging_schedule_period"][0]["limit"])
        if cs_charging_profiles["charging_profile_purpose"] == "TxDefaultProfile":
            self.default_limit = limit
        else:
            self.tx_limits[cs_charging_profiles["transaction_id"]] = limit
        self.observe()
        return call_result.SetChargingProfile(status="Accepted")

    def draw(self) -> float:
        if self.transaction_id is None:
            return 0.0
        if self.transaction_id in self.tx_limits:
            return min(CAR_MAX_A, self.tx_limits[self.transaction_id])
        return min(CAR_MAX_A, self.default_limit if self.default_limit is not None else CAR_MAX_A)

    async def start_charging(self, id_tag: str) -> None:
        started = await self.call(
            call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=0, timestamp=now_iso())
        )
        self.transaction_id = started.transaction_id
        self.observe()
        await self.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))

    async def stop_charging(self, id_tag: str) -> None:
        transaction_id, self.transaction_id = self.transaction_id, None
        self.observe()
        await self.call(
            call.StopTransaction(meter_stop=1000, timestamp=now_iso(), transaction_id=transaction_id, id_tag=id_tag)
        )
        await self.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))


@pytest.fixture
def site():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, fail_safe=SiteLoadPolicy.FailSafe.PAUSE)
    LoadNode.objects.create(site=site, name="Grid", kind=LoadNode.Kind.GRID, max_current_a=Decimal(SITE_LIMIT_A))
    for number in range(CHARGERS):
        ConnectorFactory(station=ChargingStationFactory(site=site, identity=f"LIVE-LM-{number}"))
    return site


def test_chargers_that_obey_their_profiles_keep_the_site_within_its_limit(asgi_server, celery_worker_process, site):
    tokens = [TokenFactory().uid for _ in range(CHARGERS)]
    rng = random.Random(20)
    peaks: list[float] = []
    freed_after: list[float] = []

    async def scenario():
        chargers = []
        async with _connected_all(asgi_server, chargers):
            for charger in chargers:
                charger.observe = lambda: peaks.append(sum(c.draw() for c in chargers))
            await asyncio.gather(*(charger.boot() for charger in chargers))
            await _until(lambda: all(charger.default_limit == 0 for charger in chargers))
            order = list(range(CHARGERS))
            rng.shuffle(order)
            for index in order:
                await chargers[index].start_charging(tokens[index])
                await asyncio.sleep(rng.uniform(0, 0.3))
            await _until(lambda: sum(1 for charger in chargers if charger.draw() > 0) == CHARGING_AT_ONCE)
            rng.shuffle(order)
            for index in order[:4]:
                if chargers[index].draw() == 0:
                    continue  # a paused one: its stop frees nothing
                others = [charger for charger in chargers if charger is not chargers[index] and charger.transaction_id]
                before = {id(charger): charger.draw() for charger in others}
                stopped_at = time.monotonic()
                await chargers[index].stop_charging(tokens[index])
                await _until(partial(_any_raised, others, before), timeout=FREED_SHARE_SECONDS)
                freed_after.append(time.monotonic() - stopped_at)

    run(scenario(), timeout=120)
    _settle(site)
    assert max(peaks) <= SITE_LIMIT_A, max(peaks)
    assert max(peaks) >= SITE_LIMIT_A * 0.9  # the site was used, not merely kept safe
    assert freed_after and max(freed_after) < FREED_SHARE_SECONDS
    assert LoadEvent.objects.filter(site=site, kind="profile_sent").count() >= CHARGERS
    assert LoadEvent.objects.filter(site=site, kind="default_sent").count() >= CHARGERS


class _connected_all:
    """Connect every station of the fixture as an ObedientCharger, all in one loop."""

    def __init__(self, base_url: str, chargers: list):
        self.base_url, self.chargers, self.stack = base_url, chargers, []

    async def __aenter__(self):
        for number in range(CHARGERS):
            context = connected(self.base_url, f"LIVE-LM-{number}", charger_class=ObedientCharger)
            self.chargers.append(await context.__aenter__())
            self.stack.append(context)
        return self.chargers

    async def __aexit__(self, *exc):
        for context in reversed(self.stack):
            await context.__aexit__(*exc)


def _settle(site, quiet_seconds: float = 1.5, timeout: float = 30) -> None:
    """Wait until the worker's last rounds are done (no new event for a while), so that the
    test database is not flushed under it."""
    deadline, last, quiet_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        count = LoadEvent.objects.filter(site=site).count()
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > quiet_seconds:
            return
        time.sleep(0.2)


def _any_raised(chargers, before: dict) -> bool:
    return any(charger.draw() > before[id(charger)] for charger in chargers)


async def _until(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.05)
