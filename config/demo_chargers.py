"""Simulated chargers for the demo (embedded mode's `make run`): a few of the demo
network's stations connect over OCPP 1.6 like real ones — boot, report their connectors,
send heartbeats, accept remote start and stop, and while charging report energy and power
every few seconds — so that a newcomer can start a charge in the portal and watch it live
without writing a charger. Speaks only the protocol, over a real socket: nothing here
touches the database."""

import asyncio
import base64
import contextlib
import logging
from datetime import UTC, datetime

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

logger = logging.getLogger(__name__)

METER_SECONDS = 5
POWER_W = 11_000
# A per-phase current limit in A becomes power on a three-phase 230 V supply.
VOLTS_TIMES_PHASES = 230 * 3


def _now() -> str:
    return datetime.now(UTC).isoformat()


class DemoCharger(ChargePoint):
    def __init__(self, *args, connector_ids: tuple[int, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.connector_ids = connector_ids
        self.meter_wh = dict.fromkeys(connector_ids, 1000000)
        self.charging: dict[int, asyncio.Task] = {}
        self.transactions: dict[int, int] = {}  # transaction id → connector
        # Charging profiles the CSMS set (site load management), as W: the session's own
        # (TxProfile) wins over the station's fail-safe default (TxDefaultProfile).
        self.session_limit_w: dict[int, float] = {}
        self.default_limit_w: dict[int, float] = {}

    def power_w(self, connector_id: int) -> int:
        """What the car draws: the full power unless a profile holds it lower."""
        limit = self.session_limit_w.get(connector_id, self.default_limit_w.get(connector_id))
        return POWER_W if limit is None else int(max(0, min(POWER_W, limit)))

    async def announce(self) -> int:
        boot = await self.call(call.BootNotification(charge_point_vendor="VoltWay", charge_point_model="Demo"))
        for connector_id in self.connector_ids:
            await self.status(connector_id, "Available")
        return boot.interval or 300

    async def status(self, connector_id: int, status: str) -> None:
        await self.call(call.StatusNotification(connector_id=connector_id, error_code="NoError", status=status))

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag, connector_id=None, **payload):
        connector_id = connector_id or self.connector_ids[0]
        if connector_id in self.charging or connector_id not in self.connector_ids:
            return call_result.RemoteStartTransaction(status="Rejected")
        self.charging[connector_id] = asyncio.get_running_loop().create_task(self._charge(id_tag, connector_id))
        return call_result.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id, **payload):
        connector_id = self.transactions.get(transaction_id)
        if connector_id is None:
            return call_result.RemoteStopTransaction(status="Rejected")
        self.charging[connector_id].cancel()
        return call_result.RemoteStopTransaction(status="Accepted")

    @on(Action.reset)
    def on_reset(self, **payload):
        return call_result.Reset(status="Accepted")

    @on(Action.unlock_connector)
    def on_unlock(self, **payload):
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.change_availability)
    def on_change_availability(self, **payload):
        return call_result.ChangeAvailability(status="Accepted")

    @on(Action.trigger_message)
    def on_trigger_message(self, **payload):
        return call_result.TriggerMessage(status="Accepted")

    @on(Action.get_configuration)
    def on_get_configuration(self, **payload):
        keys = [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        return call_result.GetConfiguration(configuration_key=keys)

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **payload):
        schedule = cs_charging_profiles["charging_schedule"]
        limit = float(schedule["charging_schedule_period"][0]["limit"])
        watts = limit * VOLTS_TIMES_PHASES if schedule["charging_rate_unit"] == "A" else limit
        targets = self.connector_ids if connector_id == 0 else (connector_id,)
        kept = self.default_limit_w if cs_charging_profiles["charging_profile_purpose"] == "TxDefaultProfile" else None
        for target in targets:
            (kept if kept is not None else self.session_limit_w)[target] = watts
        return call_result.SetChargingProfile(status="Accepted")

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, connector_id=None, charging_profile_purpose=None, **payload):
        targets = self.connector_ids if connector_id in (None, 0) else (connector_id,)
        for target in targets:
            if charging_profile_purpose in (None, "TxProfile"):
                self.session_limit_w.pop(target, None)
            if charging_profile_purpose in (None, "TxDefaultProfile"):
                self.default_limit_w.pop(target, None)
        return call_result.ClearChargingProfile(status="Accepted")

    @on(Action.clear_cache)
    def on_clear_cache(self, **payload):
        return call_result.ClearCache(status="Accepted")

    async def _charge(self, id_tag: str, connector_id: int) -> None:
        await self.status(connector_id, "Preparing")
        started = await self.call(
            call.StartTransaction(
                connector_id=connector_id, id_tag=id_tag, meter_start=self.meter_wh[connector_id], timestamp=_now()
            )
        )
        if started.id_tag_info.get("status") != "Accepted":
            await self.status(connector_id, "Available")
            self.charging.pop(connector_id, None)
            return
        transaction_id = started.transaction_id
        self.transactions[transaction_id] = connector_id
        await self.status(connector_id, "Charging")
        try:
            while True:
                await asyncio.sleep(METER_SECONDS)
                power = self.power_w(connector_id)
                self.meter_wh[connector_id] += power * METER_SECONDS // 3600
                await self.call(call.MeterValues(connector_id=connector_id, transaction_id=transaction_id, meter_value=[{
                    "timestamp": _now(),
                    "sampledValue": [
                        {"value": str(self.meter_wh[connector_id]), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": str(power), "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }]))  # fmt: skip
        except asyncio.CancelledError:
            pass
        await self.call(
            call.StopTransaction(
                meter_stop=self.meter_wh[connector_id], timestamp=_now(), transaction_id=transaction_id, reason="Remote"
            )
        )
        await self.status(connector_id, "Finishing")
        await self.status(connector_id, "Available")
        self.transactions.pop(transaction_id, None)
        self.charging.pop(connector_id, None)
        self.session_limit_w.pop(connector_id, None)  # a TxProfile ends with its transaction


async def run_charger(*, base_url: str, identity: str, password: str, connector_ids: tuple[int, ...]) -> None:
    """Keep one simulated charger connected, reconnecting after a pause when the server is
    away (it starts alongside the web process)."""
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    url = base_url.replace("http://", "ws://").replace("https://", "wss://") + f"/ocpp/{identity}"
    while True:
        try:
            async with websockets.connect(
                url, subprotocols=["ocpp1.6"], additional_headers={"Authorization": f"Basic {token}"}
            ) as socket:
                charger = DemoCharger(identity, socket, connector_ids=connector_ids, response_timeout=30)
                serving = asyncio.create_task(charger.start())
                interval = await charger.announce()
                logger.info("demo charger %s connected", identity)
                while not serving.done():
                    await asyncio.sleep(min(interval, 60))
                    if not serving.done():
                        await charger.call(call.Heartbeat())
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            logger.info("demo charger %s waits for the server (%s)", identity, type(error).__name__)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3)


async def run_chargers(*, base_url: str, password: str, chargers: dict[str, tuple[int, ...]]) -> None:
    await asyncio.gather(
        *(
            run_charger(base_url=base_url, identity=identity, password=password, connector_ids=connectors)
            for identity, connectors in chargers.items()
        )
    )
