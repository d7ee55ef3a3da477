"""A simulated OCPP 1.6 charger for integration tests: the real `ocpp.v16.ChargePoint`
over a real `websockets` connection to the real server. It answers every CSMS→charger
action the way a compliant charger would and records what it was asked."""

import asyncio
import base64
import json
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import websockets
from channels.db import database_sync_to_async
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from stations.tests.factories import STATION_PASSWORD

# Generous: CI machines running many suites at once can be slow; every wait is still bounded.
TIMEOUT = 30


def ws_url(base_url: str, identity: str) -> str:
    return base_url.replace("http://", "ws://") + f"/ocpp/{identity}"


def basic_auth(identity: str, password: str = STATION_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def eventually(check, timeout: float = TIMEOUT) -> bool:
    """Poll `check` until it holds or the time is up. For the message log: the server's
    writer stores a frame's rows within its flush interval after the answer went out
    (ocpp_gateway/message_log_writer.py), not before."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class SimulatedCharger(ChargePoint):
    """Answers CSMS calls; `received` records (action, payload) in arrival order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict]] = []
        self.got_call = asyncio.Event()
        self.configuration = {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}
        self.local_list_version = 0
        self.on_remote_start = None  # optional coroutine(id_tag, connector_id) run after answering

    def _record(self, action: str, **payload) -> None:
        self.received.append((action, payload))
        self.got_call.set()

    async def wait_for_call(self, action: str, timeout: float = TIMEOUT) -> dict:
        async def _wait():
            while True:
                for name, payload in self.received:
                    if name == action:
                        return payload
                self.got_call.clear()
                await self.got_call.wait()

        return await asyncio.wait_for(_wait(), timeout)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, **payload):
        self._record("CancelReservation", **payload)
        return call_result.CancelReservation(status="Accepted")

    @on(Action.change_availability)
    def on_change_availability(self, **payload):
        self._record("ChangeAvailability", **payload)
        return call_result.ChangeAvailability(status="Scheduled")

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **payload):
        self._record("ChangeConfiguration", key=key, value=value)
        self.configuration[key] = value
        return call_result.ChangeConfiguration(status="Accepted")

    @on(Action.clear_cache)
    def on_clear_cache(self, **payload):
        self._record("ClearCache", **payload)
        return call_result.ClearCache(status="Accepted")

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, **payload):
        self._record("ClearChargingProfile", **payload)
        return call_result.ClearChargingProfile(status="Unknown")

    @on(Action.data_transfer)
    def on_data_transfer(self, **payload):
        self._record("DataTransfer", **payload)
        return call_result.DataTransfer(status="Accepted", data="pong")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, **payload):
        self._record("GetCompositeSchedule", **payload)
        return call_result.GetCompositeSchedule(status="Rejected")

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **payload):
        self._record("GetConfiguration", key=key)
        wanted = key or list(self.configuration)
        known = [k for k in wanted if k in self.configuration]
        return call_result.GetConfiguration(
            configuration_key=[{"key": k, "readonly": False, "value": self.configuration[k]} for k in known],
            unknown_key=[k for k in wanted if k not in self.configuration] or None,
        )

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, **payload):
        self._record("GetDiagnostics", **payload)
        return call_result.GetDiagnostics(file_name="diag.zip")

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **payload):
        self._record("GetLocalListVersion", **payload)
        return call_result.GetLocalListVersion(list_version=self.local_list_version)

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag, connector_id=None, **payload):
        self._record("RemoteStartTransaction", id_tag=id_tag, connector_id=connector_id)
        return call_result.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id, **payload):
        self._record("RemoteStopTransaction", transaction_id=transaction_id)
        return call_result.RemoteStopTransaction(status="Accepted")

    @on(Action.reserve_now)
    def on_reserve_now(self, **payload):
        self._record("ReserveNow", **payload)
        return call_result.ReserveNow(status="Accepted")

    @on(Action.reset)
    def on_reset(self, **payload):
        self._record("Reset", **payload)
        return call_result.Reset(status="Accepted")

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version, **payload):
        self._record("SendLocalList", list_version=list_version, **payload)
        self.local_list_version = list_version
        return call_result.SendLocalList(status="Accepted")

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, **payload):
        self._record("SetChargingProfile", **payload)
        return call_result.SetChargingProfile(status="Accepted")

    @on(Action.trigger_message)
    def on_trigger_message(self, **payload):
        self._record("TriggerMessage", **payload)
        return call_result.TriggerMessage(status="Accepted")

    @on(Action.unlock_connector)
    def on_unlock_connector(self, **payload):
        self._record("UnlockConnector", **payload)
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.update_firmware)
    def on_update_firmware(self, **payload):
        self._record("UpdateFirmware", **payload)
        return call_result.UpdateFirmware()

    # --- charger-initiated helpers ------------------------------------------------------
    async def boot(self):
        return await self.call(call.BootNotification(charge_point_vendor="TestVendor", charge_point_model="Sim-1"))


class SilentCharger(SimulatedCharger):
    """Never answers CSMS calls (to exercise response timeouts)."""

    async def route_message(self, raw_msg):
        message = json.loads(raw_msg)
        if message[0] == 2:
            self._record(message[2], **message[3])
            return
        await super().route_message(raw_msg)


@asynccontextmanager
async def connected(base_url: str, identity: str, *, charger_class=SimulatedCharger, headers=None, auth=True):
    """Open a socket as `identity` and serve it with a simulated charger."""
    extra = dict(headers or {})
    if auth:
        extra.update(basic_auth(identity))
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=["ocpp1.6"], additional_headers=extra, open_timeout=TIMEOUT
    ) as socket:
        charger = charger_class(identity, socket, response_timeout=TIMEOUT)
        serving = asyncio.create_task(charger.start())
        try:
            yield charger
        finally:
            serving.cancel()


def in_db(func):
    """Run ORM code from a test coroutine. Unlike plain sync_to_async it drops a connection
    the server fixtures' teardown terminated, instead of failing on it."""
    return database_sync_to_async(func)


def run(coroutine, timeout: float = 120):
    """Run one test scenario with an overall bound, so a hang fails instead of blocking CI."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout))
