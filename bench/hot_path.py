"""`python -m bench.hot_path [--frames 2000] [--stations 20] [--no-writer] [--heartbeat-on-loop]`

The persistence side of one OCPP CALL, in-process, in production mode against the bench's
PostgreSQL database (BENCH_PG_DATABASE; created by the bench, migrated here): what a consumer's worker thread does per frame
(parse, validate, handle, commit, hand the log rows over) for Heartbeat, StatusNotification
and MeterValues (OCPP 1.6) and TransactionEvent(Updated) (2.0.1, each station's
transaction started once), all in accepted sessions, in CPU ms per frame of this whole process (the message log writer's
thread included), beside the bare `ocpp` package routing the same frames (parse, schema
validation, handler, answer; no database) in the same run. No sockets and no WebSocket
server: this isolates the database path from the server (uvicorn, WebSocket framing), which S3
measures as a whole. The machine is shared, so compare the ratios of one run.

Provisions its stations with provision_bench_stations (prefix HOTPATH); each CALL is
answered through ocpp_gateway.exchange in a worker thread, exactly as the consumer calls it
(so live updates go out through the running event loop, as in the server). `--no-writer`
measures the message log written in each CALL's transaction (the behaviour before the
writer), for a same-run before/after. `--heartbeat-on-loop` adds a row for Heartbeat as the
consumer answers an accepted station's (ocpp_gateway/heartbeat.py): on the event loop, its
last-seen to the seen writer (one UPDATE for all waiting stations, here flushed once per
measurement), its log rows to the message log writer."""

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime

import django

from bench import modes

# The bench's production environment (DEBUG off: Django's query log would be measured).
for name, value in modes.production().env.items():
    os.environ.setdefault(name, value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from ocpp.routing import on  # noqa: E402
from ocpp.v16 import ChargePoint, call_result  # noqa: E402
from ocpp.v16.enums import Action  # noqa: E402

from bench.servers.ocpp_central import CentralSystem201  # noqa: E402
from bench.simulator import meter_values  # noqa: E402
from bench.simulator_v201 import transaction_event, transaction_updated  # noqa: E402
from config import bench_fleet  # noqa: E402
from ocpp_gateway import exchange, frames, heartbeat, protocols  # noqa: E402
from ocpp_gateway.consumers import in_thread  # noqa: E402
from ocpp_gateway.message_log_writer import message_log_writer  # noqa: E402
from ocpp_gateway.seen_writer import seen_writer  # noqa: E402
from stations import live_sender  # noqa: E402
from stations.models import ChargingSession, ChargingStation, RegistrationStatus  # noqa: E402
from stations.services.status import station_heartbeats_record  # noqa: E402

PREFIX = "HOTPATH"
PROTOCOL = protocols.OCPP16
ACTIONS = ("Heartbeat", "StatusNotification", "MeterValues", "TransactionEvent")
# The 2.0.1 action measured; the others are 1.6's.
PROTOCOLS = {"TransactionEvent": protocols.OCPP201}


class BareCentral(ChargePoint):
    """The bench's S0 `ocpp` central system (bench/servers/ocpp_central.py), minus the socket."""

    @on(Action.heartbeat)
    def on_heartbeat(self, **_):
        return call_result.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on(Action.status_notification)
    def on_status(self, **_):
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, **_):
        return call_result.MeterValues()


class NoSocket:
    async def send(self, _text: str) -> None:
        return None

    async def recv(self) -> str:
        raise ConnectionError


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def payloads(action: str, station: dict, n: int) -> dict:
    if action == "Heartbeat":
        return {}
    if action == "TransactionEvent":
        station["seq_no"] += 1
        return transaction_updated(
            seq_no=station["seq_no"],
            transaction_id=station["charger_transaction_id"],
            evse_id=2,
            energy_wh=1000 + station["seq_no"] * 10,
        )
    if action == "StatusNotification":
        # The common case (a reconnect's or a storm's re-report): the status it already had.
        return {"connectorId": 2, "errorCode": "NoError", "status": "Available", "timestamp": now_iso()}
    return meter_values(1, station["transaction_id"], 1000 + n * 10)


def gateway_answer(station: dict, action: str, payload: dict) -> dict:
    """What the consumer's worker thread does for one CALL (ocpp_gateway/consumers.py)."""
    protocol = PROTOCOLS.get(action, PROTOCOL)
    text = json.dumps([2, uuid.uuid4().hex[:20], action, payload])
    frame = frames.parse(text, formation_violation=protocol.formation_violation)
    answer = exchange.call_answer(
        protocol=protocol,
        station_id=station["id"],
        identity=station["identity"],
        registration_status=RegistrationStatus.ACCEPTED,
        frame=frame,
        received_at=datetime.now(UTC),
        touch_seen=False,
    )
    return json.loads(answer.text)


def stations_ready(count: int) -> list[dict]:
    call_command("migrate", verbosity=0)
    call_command("provision_bench_stations", count=count, prefix=PREFIX, verbosity=0)
    # A run starts its own sessions: an earlier run's, still active, would hold the tokens
    # (ConcurrentTx). Set aside directly: this is setup, not what is measured.
    ChargingSession.objects.filter(
        station__identity__startswith=f"{PREFIX}-", status=ChargingSession.Status.ACTIVE
    ).update(status=ChargingSession.Status.COMPLETED)
    ready = []
    for number in range(1, count + 1):
        identity = bench_fleet.identity(PREFIX, number)
        station = {"id": ChargingStation.objects.get(identity=identity).pk, "identity": identity}
        ChargingStation.objects.filter(pk=station["id"]).update(registration_status=RegistrationStatus.ACCEPTED)
        start = {"connectorId": 1, "idTag": bench_fleet.id_tag(identity, 1), "meterStart": 1000, "timestamp": now_iso()}
        reply = gateway_answer(station, "StartTransaction", start)
        station["transaction_id"] = reply[2]["transactionId"]
        # And a 2.0.1 transaction on connector 2, with that connector's token.
        station["charger_transaction_id"], station["seq_no"] = str(uuid.uuid4()), 0
        started = transaction_event(
            event_type="Started",
            trigger_reason="Authorized",
            seq_no=0,
            transaction_id=station["charger_transaction_id"],
            evse_id=2,
            energy_wh=1000,
            context="Transaction.Begin",
            id_token=bench_fleet.id_tag(identity, 2),
        )
        reply = gateway_answer(station, "TransactionEvent", started)
        if reply[2].get("idTokenInfo", {}).get("status") != "Accepted":
            raise RuntimeError(f"the 2.0.1 transaction was not accepted: {reply}")
        ready.append(station)
    return ready


async def cpu_ms_per_frame(one, stations: list[dict], frames_count: int) -> float:
    """Each station sends its frames one after another (one CALL in flight per socket, as
    OCPP-J requires); the stations run concurrently, as S3's chargers do."""
    per_station = max(1, frames_count // len(stations))

    async def station_calls(station: dict) -> None:
        for n in range(per_station):
            await one(station, n)

    started = time.process_time()
    await asyncio.gather(*(station_calls(station) for station in stations))
    await in_thread(message_log_writer.flush)()
    await in_thread(seen_writer.flush)()
    # Live updates are sent by the event loop after the answers; their work belongs here.
    await live_sender.drained()
    return 1000 * (time.process_time() - started) / (per_station * len(stations))


async def bare_ocpp(action: str, stations: list[dict], frames_count: int) -> float:
    central = CentralSystem201 if action in PROTOCOLS else BareCentral
    centrals = {station["id"]: central(station["identity"], NoSocket()) for station in stations}

    async def one(station: dict, n: int) -> None:
        payload = payloads(action, station, n)
        await centrals[station["id"]].route_message(json.dumps([2, str(n), action, payload]))

    return await cpu_ms_per_frame(one, stations, frames_count)


async def gateway(action: str, stations: list[dict], frames_count: int) -> float:
    async def one(station: dict, n: int) -> None:
        reply = await in_thread(gateway_answer)(station, action, payloads(action, station, n))
        if reply[0] != frames.CALLRESULT:
            raise RuntimeError(f"{action} was answered {reply}")

    return await cpu_ms_per_frame(one, stations, frames_count)


async def heartbeat_on_loop(stations: list[dict], frames_count: int) -> float:
    """What the consumer does for an accepted station's Heartbeat (ocpp_gateway/consumers.py)."""

    async def one(station: dict, n: int) -> None:
        text = json.dumps([2, uuid.uuid4().hex[:20], "Heartbeat", {}])
        frame = frames.parse(text, formation_violation=PROTOCOL.formation_violation)
        if not heartbeat.answers_on_loop(frame=frame, registration_status=RegistrationStatus.ACCEPTED):
            raise RuntimeError("Heartbeat would not be answered on the loop")
        answer = heartbeat.heartbeat_answer(
            protocol=PROTOCOL,
            station_id=station["id"],
            identity=station["identity"],
            frame=frame,
            received_at=datetime.now(UTC),
        )
        if answer is None or answer.unlogged:
            raise RuntimeError(f"Heartbeat was not answered on the loop: {answer}")

    return await cpu_ms_per_frame(one, stations, frames_count)


async def measure(stations: list[dict], frames_count: int, actions: list[str], on_loop: bool) -> None:
    print("| action | bare ocpp CPU ms/msg | gateway CPU ms/msg | gateway ÷ bare | bare ÷ gateway |")
    print("|---|---|---|---|---|")
    for action in actions:
        await gateway(action, stations, min(200, frames_count))  # warm-up
        bare = await bare_ocpp(action, stations, frames_count)
        ours = await gateway(action, stations, frames_count)
        print(f"| {action} | {bare:.3f} | {ours:.3f} | {ours / bare:.1f}× | {100 * bare / ours:.1f} % |")
        if on_loop and action == "Heartbeat":
            await heartbeat_on_loop(stations, min(200, frames_count))  # warm-up
            loop = await heartbeat_on_loop(stations, frames_count)
            print(
                f"| Heartbeat on the loop | {bare:.3f} | {loop:.3f} | {loop / bare:.1f}× | {100 * bare / loop:.1f} % |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hot_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--actions", default=",".join(ACTIONS), help=f"any of {', '.join(ACTIONS)}")
    parser.add_argument("--no-writer", action="store_true", help="log rows in each CALL's transaction")
    parser.add_argument(
        "--heartbeat-on-loop",
        action="store_true",
        help="also Heartbeat answered on the event loop, as accepted stations'",
    )
    args = parser.parse_args()
    if args.heartbeat_on_loop and args.no_writer:
        parser.error("--heartbeat-on-loop needs the message log writer")
    if not args.no_writer:
        message_log_writer.start()
    if args.heartbeat_on_loop:
        seen_writer.start(record=station_heartbeats_record)
    stations = stations_ready(args.stations)
    print(f"load average {os.getloadavg()[0]:.2f}; writer {'off' if args.no_writer else 'on'}")
    asyncio.run(measure(stations, args.frames, args.actions.split(","), args.heartbeat_on_loop))
    print(f"load average {os.getloadavg()[0]:.2f}")
    message_log_writer.stop()
    seen_writer.stop()


if __name__ == "__main__":
    main()
