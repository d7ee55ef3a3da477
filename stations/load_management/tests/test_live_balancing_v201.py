"""Site load management with OCPP 2.0.1 chargers (the `ocpp` package over real sockets to
uvicorn, a Celery worker, PostgreSQL, Redis): each receives its fail-safe TxDefaultProfile
on connect and a TxProfile naming its own (string) transaction id, and a share freed by a
TransactionEvent Ended reaches the other charger. An EV's NotifyEVChargingNeeds is
Accepted at a site under load management (the breadth test has the Rejected case)."""

import asyncio
import time
from decimal import Decimal

import pytest
from ocpp.routing import on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action

from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import run
from ocpp_gateway.tests.charger_v201 import SimulatedCharger201, connected, energy
from stations.load_management.models import LoadEvent, LoadNode, SiteLoadPolicy
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SITE_LIMIT_A = 20
FREED_SHARE_SECONDS = 10


class ObedientCharger201(SimulatedCharger201):
    """Keeps the limits its profiles set: TxDefaultProfile, and TxProfile per transaction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_limit: float | None = None
        self.tx_limits: dict[str, float] = {}

    # Named as the parent's table-made handler so that it replaces it.
    @on(Action.set_charging_profile)
    def on_SetChargingProfile(self, evse_id, charging_profile, **payload):
        self._record("SetChargingProfile", evse_id=evse_id, charging_profile=charging_profile)
        limit = float(charging_profile["charging_schedule"][0]["charging_schedule_period"][0]["limit"])
        if charging_profile["charging_profile_purpose"] == "TxDefaultProfile":
            self.default_limit = limit
        else:
            self.tx_limits[charging_profile["transaction_id"]] = limit
        return call_result.SetChargingProfile(status="Accepted")


@pytest.fixture
def site():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, fail_safe=SiteLoadPolicy.FailSafe.PAUSE)
    LoadNode.objects.create(site=site, name="Grid", kind=LoadNode.Kind.GRID, max_current_a=Decimal(SITE_LIMIT_A))
    for number in range(2):
        ConnectorFactory(station=ChargingStationFactory(site=site, identity=f"LIVE-LM201-{number}"))
    return site


def test_201_chargers_receive_their_default_and_their_transactions_limits(asgi_server, celery_worker_process, site):
    tokens = [TokenFactory().uid for _ in range(2)]

    async def scenario():
        async with (
            connected(asgi_server, "LIVE-LM201-0", charger_class=ObedientCharger201) as first,
            connected(asgi_server, "LIVE-LM201-1", charger_class=ObedientCharger201) as second,
        ):
            chargers = (first, second)
            await asyncio.gather(*(charger.boot() for charger in chargers))
            await _until(lambda: all(charger.default_limit == 0 for charger in chargers))
            for index, charger in enumerate(chargers):
                await charger.transaction_event(
                    "Started",
                    f"LM-TX-{index}",
                    trigger_reason="Authorized",
                    id_token={"id_token": tokens[index], "type": "ISO14443"},
                    evse={"id": 1, "connector_id": 1},
                    meter_value=[energy(0, "Transaction.Begin")],
                    transaction_info={"charging_state": "Charging"},
                )
            await _until(lambda: first.tx_limits.get("LM-TX-0") == second.tx_limits.get("LM-TX-1") == 9.5)
            # K15: the site is under load management, so the EV's needs are taken (and its
            # site re-allocated); the shares stand, as nothing else changed.
            needs = await first.call(
                call.NotifyEVChargingNeeds(
                    evse_id=1,
                    charging_needs={
                        "requested_energy_transfer": "AC_three_phase",
                        "ac_charging_parameters": {
                            "energy_amount": 20000,
                            "ev_min_current": 6,
                            "ev_max_current": 32,
                            "ev_max_voltage": 400,
                        },
                    },
                )
            )
            assert needs.status == "Accepted"
            ended_at = time.monotonic()
            await first.transaction_event(
                "Ended",
                "LM-TX-0",
                trigger_reason="StopAuthorized",
                id_token={"id_token": tokens[0], "type": "ISO14443"},
                meter_value=[energy(1_000, "Transaction.End")],
                transaction_info={"stopped_reason": "Local", "charging_state": "EVConnected"},
            )
            await _until(lambda: second.tx_limits["LM-TX-1"] == 19.0, timeout=FREED_SHARE_SECONDS)
            return time.monotonic() - ended_at

    freed_after = run(scenario(), timeout=90)
    assert freed_after < FREED_SHARE_SECONDS
    _settle(site)


def _settle(site, quiet_seconds: float = 1.5, timeout: float = 30) -> None:
    deadline, last, quiet_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        count = LoadEvent.objects.filter(site=site).count()
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > quiet_seconds:
            return
        time.sleep(0.2)


async def _until(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.05)
