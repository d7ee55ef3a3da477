"""A simulated OCPP 2.0.1 (or 2.1) charger for integration tests: the real
`ocpp.v201.ChargePoint` (`ocpp.v21.ChargePoint`) over a real `websockets` connection to
the real server. It answers every CSMS→charger action as a compliant charger would,
records what it was asked, and (like a real one) reports its device model after
GetBaseReport."""

import asyncio
import itertools
import json
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import websockets
from ocpp import v21, v201
from ocpp.routing import after, on
from ocpp.v201 import call
from ocpp.v201.enums import Action

from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, ws_url

# What the charger answers to each CSMS→charger action (snake_case call_result fields).
ANSWERS: dict[str, dict] = {
    "CancelReservation": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Scheduled"},
    "ClearCache": {"status": "Accepted"},
    "ClearChargingProfile": {"status": "Unknown"},
    "ClearDisplayMessage": {"status": "Accepted"},
    "ClearVariableMonitoring": {"clear_monitoring_result": [{"status": "Accepted", "id": 1}]},
    "CostUpdated": {},
    "CustomerInformation": {"status": "Accepted"},
    "DataTransfer": {"status": "Accepted", "data": "pong"},
    "GetBaseReport": {"status": "Accepted"},
    "GetChargingProfiles": {"status": "NoProfiles"},
    "GetCompositeSchedule": {"status": "Rejected"},
    "GetDisplayMessages": {"status": "Unknown"},
    "GetLocalListVersion": {"version_number": 0},
    "GetLog": {"status": "Accepted", "filename": "log.zip"},
    "GetMonitoringReport": {"status": "Accepted"},
    "GetReport": {"status": "Accepted"},
    "GetTransactionStatus": {"messages_in_queue": False},
    "PublishFirmware": {"status": "Accepted"},
    "RequestStartTransaction": {"status": "Accepted"},
    "RequestStopTransaction": {"status": "Accepted"},
    "ReserveNow": {"status": "Accepted"},
    "Reset": {"status": "Accepted"},
    "SendLocalList": {"status": "Accepted"},
    "SetChargingProfile": {"status": "Accepted"},
    "SetDisplayMessage": {"status": "Accepted"},
    "SetMonitoringBase": {"status": "Accepted"},
    "SetMonitoringLevel": {"status": "Accepted"},
    "SetNetworkProfile": {"status": "Accepted"},
    "SetVariableMonitoring": {
        "set_monitoring_result": [
            {
                "status": "Accepted",
                "type": "UpperThreshold",
                "severity": 5,
                "component": {"name": "EVSE"},
                "variable": {"name": "Power"},
            }
        ]
    },
    "TriggerMessage": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "UnpublishFirmware": {"status": "Unpublished"},
    "UpdateFirmware": {"status": "Accepted"},
}
DEVICE_MODEL = [
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "variable_attribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
        "variable_characteristics": {"data_type": "integer", "unit": "s", "supports_monitoring": False},
    },
    {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "variable_attribute": [
            {"type": "Actual", "value": "22000", "mutability": "ReadOnly"},
            {"type": "MaxSet", "value": "22000", "mutability": "ReadOnly"},
        ],
        "variable_characteristics": {"data_type": "decimal", "unit": "W", "supports_monitoring": True},
    },
]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _answering(action: str):
    def handler(self, **payload):
        self._record(action, **payload)
        answer = dict(ANSWERS.get(action, {}))
        if action == "GetVariables":
            answer = {"get_variable_result": [self._get_variable(item) for item in payload["get_variable_data"]]}
        elif action == "SetVariables":
            answer = {"set_variable_result": [self._set_variable(item) for item in payload["set_variable_data"]]}
        elif action == "SendLocalList":
            self.local_list_version = payload["version_number"]
        elif action == "GetLocalListVersion":
            answer = {"version_number": self.local_list_version}
        return getattr(self._call_result, action)(**answer)

    handler.__name__ = f"on_{action}"
    return on(action)(handler)


class SimulatedCharger201(v201.ChargePoint):
    """Answers CSMS calls; `received` records (action, payload) in arrival order."""

    for _action in [*ANSWERS, "GetVariables", "SetVariables"]:
        locals()[f"on_{_action}"] = _answering(_action)
    del _action

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received: list[tuple[str, dict]] = []
        self.got_call = asyncio.Event()
        self.variables = {("OCPPCommCtrlr", "HeartbeatInterval"): "300"}
        self.seq_no = itertools.count()
        self.local_list_version = 0

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

    def _get_variable(self, item: dict) -> dict:
        key = (item["component"]["name"], item["variable"]["name"])
        if key not in self.variables:
            return {"attribute_status": "UnknownVariable", "component": item["component"], "variable": item["variable"]}
        return {
            "attribute_status": "Accepted",
            "attribute_value": self.variables[key],
            "component": item["component"],
            "variable": item["variable"],
        }

    def _set_variable(self, item: dict) -> dict:
        key = (item["component"]["name"], item["variable"]["name"])
        status = "Accepted" if key in self.variables else "UnknownVariable"
        if status == "Accepted":
            self.variables[key] = item["attribute_value"]
        return {"attribute_status": status, "component": item["component"], "variable": item["variable"]}

    @after(Action.get_base_report)
    async def report_device_model(self, request_id, **_):
        heartbeat = self.variables[("OCPPCommCtrlr", "HeartbeatInterval")]
        report = [
            {**item, "variable_attribute": [{**item["variable_attribute"][0], "value": heartbeat}]}
            if item["variable"]["name"] == "HeartbeatInterval"
            else item
            for item in DEVICE_MODEL
        ]
        await self.call(call.NotifyReport(request_id=request_id, generated_at=now_iso(), seq_no=0, report_data=report))

    # --- charger-initiated helpers ------------------------------------------------------
    async def boot(self, reason: str = "PowerUp"):
        return await self.call(
            call.BootNotification(
                charging_station={"vendor_name": "TestVendor", "model": "Sim-201", "firmware_version": "1.0"},
                reason=reason,
            )
        )

    async def transaction_event(
        self, event_type: str, transaction_id: str, *, trigger_reason: str, seq_no=None, **fields
    ):
        info = {"transaction_id": transaction_id, **fields.pop("transaction_info", {})}
        return await self.call(
            call.TransactionEvent(
                event_type=event_type,
                timestamp=fields.pop("timestamp", None) or now_iso(),
                trigger_reason=trigger_reason,
                seq_no=next(self.seq_no) if seq_no is None else seq_no,
                transaction_info=info,
                **fields,
            )
        )


ANSWERS_21 = {
    "SetDefaultTariff": {"status": "Accepted"},
    "GetTariffs": {"status": "NoTariff"},
    "ChangeTransactionTariff": {"status": "Accepted"},
    "GetDERControl": {"status": "NotFound"},
}
ANSWERS.update(ANSWERS_21)


class SimulatedCharger21(SimulatedCharger201, v21.ChargePoint):
    """The same charger speaking OCPP 2.1 (its messages validated with 2.1's schemas)."""

    _call = v21.call
    _call_result = v21.call_result
    _ocpp_version = "2.1"

    for _action in ANSWERS_21:
        locals()[f"on_{_action}"] = _answering(_action)
    del _action

    async def send_frame(self, message: list) -> None:
        """Write a frame the `ocpp` package cannot send (2.1's SEND, CALLRESULTERROR)."""
        await self._connection.send(json.dumps(message))


def energy(wh: int, context: str = "Sample.Periodic", at: str | None = None, **extra) -> dict:
    """One 2.0.1 MeterValueType with the energy register (and whatever else in `extra`)."""
    sampled = {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register", **extra}
    return {"timestamp": at or now_iso(), "sampled_value": [sampled]}


@asynccontextmanager
async def connected(
    base_url: str, identity: str, *, charger_class=SimulatedCharger201, subprotocols=("ocpp2.0.1",), auth=True
):
    """Open a socket as `identity` offering `subprotocols` and serve it with a simulated charger."""
    headers = basic_auth(identity) if auth else {}
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=list(subprotocols), additional_headers=headers, open_timeout=TIMEOUT
    ) as socket:
        charger = charger_class(identity, socket, response_timeout=TIMEOUT)
        serving = asyncio.create_task(charger.start())
        try:
            yield charger
        finally:
            serving.cancel()
