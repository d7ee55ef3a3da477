"""The simulated 2.0.1 charger's frames are valid OCPP 2.0.1: checked against the `ocpp`
package's v201 schemas directly, and end to end against the bare `ocpp` central system
(which validates every CALL it receives) over the ocpp2.0.1 subprotocol."""

import json

from ocpp.messages import Call, validate_payload
from websockets.asyncio.server import serve

from bench import loadgen, simulator, simulator_v201
from bench.__main__ import parse
from bench.scenarios.gateway import sustained_ceiling
from bench.servers.ocpp_central import CENTRAL_SYSTEMS, handle
from config import bench_fleet


async def valid(action: str, payload: dict) -> None:
    await validate_payload(Call("1", action, payload), ocpp_version="2.0.1")


def charger(port: int = 1, **profile) -> simulator_v201.Charger:
    return simulator_v201.Charger(
        identity="CP201",
        password="x" * 20,
        target=simulator.Target(host="127.0.0.1", port=port, subprotocol=simulator_v201.SUBPROTOCOL),
        profile=simulator.ChargerProfile(connectors=1, id_tag=simulator.PER_CONNECTOR, **profile),
        recorder=simulator.Recorder(),
    )


async def test_boot_and_status_frames_match_the_ocpp201_schemas():
    await valid("BootNotification", simulator_v201.boot_notification("CP201"))
    for status in ("Available", "Occupied"):
        await valid("StatusNotification", simulator_v201.status_notification(1, status))


async def test_a_transactions_events_match_the_ocpp201_schema_with_seq_no_rising_from_zero():
    sim = charger()
    transaction = sim._new_transaction(1)
    transaction["id"] = transaction["charger_id"]
    updates = [sim.meter_update(transaction) for _ in range(3)]
    for payload in [transaction["start"], *updates]:
        await valid("TransactionEvent", payload)
    assert [p["seqNo"] for p in [transaction["start"], *updates]] == [0, 1, 2, 3]
    assert transaction["start"]["idToken"] == {"idToken": bench_fleet.id_tag("CP201", 1), "type": "ISO14443"}
    update = updates[0]
    assert (update["eventType"], update["triggerReason"]) == ("Updated", "MeterValuePeriodic")
    assert update["transactionInfo"] == {"transactionId": transaction["charger_id"]}
    assert transaction["start"]["transactionInfo"]["chargingState"] == "Charging"
    assert update["evse"] == {"id": 1, "connectorId": 1}
    measurands = [s["measurand"] for s in update["meterValue"][0]["sampledValue"]]
    assert measurands == ["Energy.Active.Import.Register", "Power.Active.Import"]


async def test_a_201_charger_starts_and_ends_each_evses_transaction_with_that_evses_own_token():
    sim = charger()
    for evse_id in (1, 2):
        transaction = sim._new_transaction(evse_id)
        transaction["id"] = transaction["charger_id"]
        sim.link = FakeLink()
        await sim._stop(transaction)
        ended = sim.link.sent[0][1]
        own = {"idToken": bench_fleet.id_tag("CP201", evse_id), "type": "ISO14443"}
        assert transaction["start"]["idToken"] == ended["idToken"] == own


class FakeLink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def call(self, action: str, payload: dict, *, timeout: float) -> dict:
        self.sent.append((action, payload))
        return {}


async def test_each_new_transaction_has_its_own_id_so_a_repeated_run_replays_nothing():
    sim = charger()
    assert sim._new_transaction(1)["charger_id"] != sim._new_transaction(1)["charger_id"]


async def test_the_closed_loop_transaction_event_frame_matches_the_ocpp201_schema():
    frame, action = loadgen.request_for({"kind": "ocpp_loop", "action": "TransactionEvent"})
    message_type, _, name, payload = json.loads(frame)
    assert (message_type, name, action) == (2, "TransactionEvent", "TransactionEvent")
    await valid(name, payload)


async def test_a_201_charger_boots_charges_and_stops_against_the_ocpp_package_central_system():
    async with serve(handle, "127.0.0.1", 0, subprotocols=list(CENTRAL_SYSTEMS)) as server:
        sim = charger(server.sockets[0].getsockname()[1], heartbeat_interval=0)
        sim.recorder.recording = True
        await sim._connect_and_boot()
        transaction = sim._new_transaction(1)
        await sim._start(transaction)
        for _ in range(3):
            sim.meter_wh += 25
            await sim.call(sim.meter_action, sim.meter_update(transaction))
        await sim._stop(transaction)
        sim.link.close()
    assert not sim.recorder.failures
    assert sim.link.client.is_open is False
    assert len(sim.recorder.round_trips["TransactionEvent"]) == 5  # Started, 3 × Updated, Ended
    assert len(sim.recorder.round_trips["BootNotification"]) == 1
    assert not sim.open_transactions


async def test_the_201_charger_answers_a_cost_update_instead_of_refusing_it():
    link = simulator.Link(recorder=simulator.Recorder(), answers=simulator_v201.CSMS_CALL_ANSWERS)
    sent = []
    link.client = type("Client", (), {"send_text": lambda self, frame: sent.append(json.loads(frame))})()
    link._on_message(json.dumps([2, "9", "CostUpdated", {"totalCost": 1.5, "transactionId": "t"}]).encode())
    assert sent == [[3, "9", {}]]


def test_the_ceiling_reads_the_latency_of_the_action_the_version_measures():
    window = {
        "offered_per_s": 100,
        "msgs_per_s": 99,
        "failure_count": 0,
        "latency": {"TransactionEvent": {"p99": 20}},
    }
    assert sustained_ceiling({"a": window}, action="TransactionEvent") == 99
    assert sustained_ceiling({"a": window}) is None  # no MeterValues latency: not a 1.6 step


def test_the_ocpp_version_is_a_command_line_choice_defaulting_to_16():
    assert parse(["s3"]).ocpp == "1.6"
    assert parse(["s0", "s3", "--ocpp", "2.0.1"]).ocpp == "2.0.1"
