"""Simulated OCPP 1.6J chargers speaking raw JSON frames over bench.wire.

A `Link` is one socket with at most one CALL in flight (OCPP-J's rule), timing each
CALL from send to its CALLRESULT into a shared `Recorder`. `Charger` runs a charger's
life: BootNotification, StatusNotification per connector, Heartbeats, and
transactions with MeterValues, reconnecting after a drop like real firmware does.
"""

import asyncio
import errno
import itertools
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench import wire
from config import bench_fleet

CALL, CALLRESULT, CALLERROR = 2, 3, 4


class CallFailed(Exception):
    """A CALL got a CALLERROR, timed out, or lost its socket; `kind` names which."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class Recorder:
    """Round trips in milliseconds per action, counts and failures. Only records while
    `recording` is set, so ramp-up and warm-up stay out of the figures."""

    def __init__(self) -> None:
        self.recording = False
        self.round_trips: dict[str, list[float]] = defaultdict(list)
        self.failures: Counter = Counter()
        self.sent = 0
        self.completed = 0
        # Counted whether recording or not: a ramp's refused or timed-out connects happen
        # between windows, and their kind says what limited the ramp.
        self.connect_failures: Counter = Counter()

    def reset(self) -> None:
        self.round_trips = defaultdict(list)
        self.failures = Counter()
        self.sent = 0
        self.completed = 0

    def round_trip(self, action: str, seconds: float) -> None:
        if self.recording:
            self.round_trips[action].append(seconds * 1000)
            self.completed += 1

    def failure(self, kind: str) -> None:
        if self.recording:
            self.failures[kind] += 1

    def connect_failure(self, kind: str) -> None:
        self.connect_failures[kind] += 1
        self.failure(f"connect:{kind}")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# Answers to the calls a CSMS may make after boot; anything else gets NotImplemented.
CSMS_CALL_ANSWERS = {
    "GetConfiguration": {"configurationKey": [], "unknownKey": []},
    "ChangeConfiguration": {"status": "Accepted"},
    "TriggerMessage": {"status": "Accepted"},
    "RemoteStartTransaction": {"status": "Accepted"},
    "RemoteStopTransaction": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "Reset": {"status": "Accepted"},
    "UnlockConnector": {"status": "Unlocked"},
    "ClearCache": {"status": "Accepted"},
    "DataTransfer": {"status": "Accepted"},
}


class Link:
    """One OCPP-J (or echo) socket with a single CALL in flight."""

    def __init__(self, *, recorder: Recorder, echo: bool = False, answers: dict = CSMS_CALL_ANSWERS) -> None:
        self.recorder = recorder
        self.echo = echo
        self.answers = answers
        self.client: wire.WebSocketClient | None = None
        self._ids = itertools.count(1)
        self._waiting_id: str | None = None
        self._waiter: asyncio.Future | None = None
        self.csms_calls: Counter = Counter()

    async def open(self, *, host: str, port: int, path: str, subprotocol=None, headers=None, timeout=30) -> None:
        self.client = await wire.connect(
            host=host,
            port=port,
            path=path,
            subprotocol=subprotocol,
            headers=headers,
            on_message=self._on_message,
            timeout=timeout,
        )
        self.client.closed.add_done_callback(self._on_closed)

    @property
    def is_open(self) -> bool:
        return self.client is not None and self.client.is_open

    async def call(self, action: str, payload: dict, *, timeout: float = 30) -> dict:
        """Send one CALL and wait for its CALLRESULT payload; raises CallFailed."""
        unique_id = str(next(self._ids))
        return await self.send_and_wait(
            json.dumps([CALL, unique_id, action, payload], separators=(",", ":")).encode(),
            unique_id=unique_id,
            action=action,
            timeout=timeout,
        )

    async def send_and_wait(self, frame: bytes, *, unique_id: str | None, action: str, timeout: float):
        if not self.is_open:
            raise CallFailed("not_connected")
        loop = asyncio.get_running_loop()
        self._waiting_id = unique_id
        self._waiter = waiter = loop.create_future()
        started = time.perf_counter()
        self.client.send_text(frame)
        self.recorder.sent += 1
        try:
            result = await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            self.recorder.failure("timeout")
            raise CallFailed("timeout", action) from None
        finally:
            self._waiter = None
        if isinstance(result, CallFailed):
            self.recorder.failure(result.kind)
            raise result
        self.recorder.round_trip(action, time.perf_counter() - started)
        return result

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def _on_closed(self, _future) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(CallFailed("connection_lost"))

    def _on_message(self, data: bytes) -> None:
        if self.echo:
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(data)
            return
        try:
            message = json.loads(data)
            kind, unique_id = message[0], message[1]
        except (ValueError, IndexError, KeyError, TypeError):
            self.recorder.failure("bad_frame")
            return
        if kind == CALL:
            self._answer_csms_call(unique_id, message[2])
        elif unique_id == self._waiting_id and self._waiter is not None and not self._waiter.done():
            if kind == CALLRESULT:
                self._waiter.set_result(message[2])
            else:
                self._waiter.set_result(CallFailed("callerror", f"{message[2]} {message[3]}"))

    def _answer_csms_call(self, unique_id: str, action: str) -> None:
        self.csms_calls[action] += 1
        if action in self.answers:
            reply = [CALLRESULT, unique_id, self.answers[action]]
        else:
            reply = [CALLERROR, unique_id, "NotImplemented", f"{action} is not simulated", {}]
        self.client.send_text(json.dumps(reply, separators=(",", ":")).encode())


@dataclass
class Target:
    host: str
    port: int
    path_prefix: str = "/ocpp/"
    subprotocol: str = "ocpp1.6"


# ChargerProfile.id_tag: each connector's driver presents the token provisioned for that
# connector (bench_fleet.id_tag), so every start can be accepted, as at real chargers.
PER_CONNECTOR = "per-connector"


@dataclass
class ChargerProfile:
    """How a simulated charger behaves. Intervals in seconds; 0 disables a behaviour.
    `id_tag` is the one tag every charger presents, or PER_CONNECTOR."""

    connectors: int = 1
    heartbeat_interval: float = 60
    meter_interval: float = 0
    charging_fraction: float = 0.0
    session_seconds: float = 120
    id_tag: str = "BENCH0001"
    reconnect: bool = False
    reconnect_jitter: float = 5.0
    call_timeout: float = 30


@dataclass
class ChargerState:
    booted_at: list[float] = field(default_factory=list)
    disconnected_at: list[float] = field(default_factory=list)
    handshake_failures: int = 0
    transactions: set[int] = field(default_factory=set)


class Charger:
    """One simulated charger. `run()` connects, boots and keeps going until `stop` is set.
    The OCPP 1.6 one; bench.simulator_v201 has the 2.0.1 dialect of the same life."""

    csms_answers = CSMS_CALL_ANSWERS
    meter_action = "MeterValues"

    def __init__(
        self, *, identity: str, password: str, target: Target, profile: ChargerProfile, recorder: Recorder
    ) -> None:
        self.identity = identity
        self.password = password
        self.target = target
        self.profile = profile
        self.recorder = recorder
        self.state = ChargerState()
        self.link: Link | None = None
        self._lock = asyncio.Lock()
        self.meter_wh = random.randint(1_000, 5_000_000)
        self.open_transactions: dict[int, dict] = {}

    def id_tag(self, connector: int) -> str:
        if self.profile.id_tag == PER_CONNECTOR:
            return bench_fleet.id_tag(self.identity, connector)
        return self.profile.id_tag

    async def call(self, action: str, payload: dict) -> dict:
        async with self._lock:
            return await self.link.call(action, payload, timeout=self.profile.call_timeout)

    async def run(self, stop: asyncio.Event) -> None:
        first = True
        while not stop.is_set():
            try:
                await self._connect_and_boot()
            except (OSError, TimeoutError, wire.HandshakeError, CallFailed) as error:
                self.state.handshake_failures += 1
                self.recorder.connect_failure(connect_failure_kind(error))
                if not self.profile.reconnect:
                    return
                await asyncio.sleep(1 + random.random() * self.profile.reconnect_jitter)
                continue
            if first:
                first = False
            await self._live(stop)
            if not self.profile.reconnect or stop.is_set():
                break
            self.state.disconnected_at.append(time.monotonic())
            # Real firmware backs off with jitter so that a fleet does not reconnect in lockstep.
            await asyncio.sleep(random.random() * self.profile.reconnect_jitter)
        if self.link is not None:
            self.link.close()

    async def _connect_and_boot(self) -> None:
        self.link = Link(recorder=self.recorder, answers=self.csms_answers)
        await self.link.open(
            host=self.target.host,
            port=self.target.port,
            path=self.target.path_prefix + self.identity,
            subprotocol=self.target.subprotocol,
            headers={"Authorization": wire.basic_auth(self.identity, self.password)},
        )
        await self._boot()
        self.state.booted_at.append(time.monotonic())

    async def _boot(self) -> None:
        boot = await self.call(
            "BootNotification",
            {"chargePointVendor": "BenchVendor", "chargePointModel": "Sim-1", "chargePointSerialNumber": self.identity},
        )
        if boot.get("status") != "Accepted":
            raise CallFailed("boot_not_accepted", str(boot.get("status")))
        for connector in range(self.profile.connectors + 1):
            await self.status(connector, "Available")

    async def status(self, connector: int, status: str) -> None:
        await self.call(
            "StatusNotification",
            {"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": now_iso()},
        )

    async def _live(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.ensure_future(self._heartbeats())]
        if self.profile.charging_fraction > 0:
            tasks += [asyncio.ensure_future(self._transactions(c)) for c in range(1, self.profile.connectors + 1)]
        closed = asyncio.ensure_future(asyncio.shield(self.link.client.closed))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([*tasks, closed, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in [*tasks, closed, stopped]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _heartbeats(self) -> None:
        if not self.profile.heartbeat_interval:
            await asyncio.Event().wait()
        await asyncio.sleep(random.random() * self.profile.heartbeat_interval)
        while True:
            try:
                await self.call("Heartbeat", {})
            except CallFailed as error:
                if error.kind == "connection_lost" or not self.link.is_open:
                    return
            await asyncio.sleep(self.profile.heartbeat_interval)

    async def _transactions(self, connector: int) -> None:
        """Charge, stop, idle, repeat. A transaction interrupted by a dropped socket is
        resumed after the reconnect, and a StartTransaction or StopTransaction that got
        no answer is sent again unchanged, as firmware does; the CSMS must recognise it."""
        fraction = self.profile.charging_fraction
        idle_seconds = self.profile.session_seconds * (1 - fraction) / fraction
        if connector not in self.open_transactions:
            await asyncio.sleep(self._idle_before_first_session(idle_seconds))
        while self.link.is_open:
            try:
                transaction = self.open_transactions.get(connector) or self._new_transaction(connector)
                await self._start(transaction)
                await self._charge(transaction)
                await self._stop(transaction)
            except CallFailed:
                if not self.link.is_open:
                    return
                continue
            await asyncio.sleep(random.expovariate(1 / idle_seconds) if idle_seconds else 0)

    def _idle_before_first_session(self, idle_seconds: float) -> float:
        """How long an idle connector waits before its first session on this connection.
        On the first connection each connector starts somewhere in its cycle, so the fleet
        is in steady state at once. On a reconnect an idle connector stays idle for the rest
        of its idle time, which (exponential) is again exponential: drivers do not arrive
        because the CSMS restarted. (Until 2026-11-29 a reconnect also started a session at
        once on a `charging_fraction` of idle connectors, so S4's storm carried ~3× the
        fleet's StartTransactions on top of its re-boots.)"""
        if len(self.state.booted_at) > 1:
            return random.expovariate(1 / idle_seconds) if idle_seconds else 0.0
        if random.random() <= self.profile.charging_fraction:
            return 0.0
        return random.random() * idle_seconds

    def _new_transaction(self, connector: int) -> dict:
        transaction = {
            "connector": connector,
            "id": None,
            "start": {"connectorId": connector, "idTag": self.id_tag(connector), "meterStart": self.meter_wh},
            "ends_at": time.monotonic() + random.expovariate(1 / self.profile.session_seconds),
            "stop": None,
        }
        transaction["start"]["timestamp"] = now_iso()
        self.open_transactions[connector] = transaction
        return transaction

    async def _start(self, transaction: dict) -> None:
        if transaction["id"] is not None:
            return
        await self.status(transaction["connector"], "Preparing")
        started = await self.call("StartTransaction", transaction["start"])
        transaction["id"] = started["transactionId"]
        self.state.transactions.add(transaction["id"])
        await self.status(transaction["connector"], "Charging")

    async def _charge(self, transaction: dict) -> None:
        interval = self.profile.meter_interval or self.profile.session_seconds
        while transaction["stop"] is None and time.monotonic() + interval < transaction["ends_at"]:
            await asyncio.sleep(interval)
            self.meter_wh += random.randint(10, 60)
            await self.call(self.meter_action, self.meter_update(transaction))
        await asyncio.sleep(max(0.0, transaction["ends_at"] - time.monotonic()))

    def meter_update(self, transaction: dict) -> dict:
        """The payload of the next periodic meter frame of `transaction` (meter_action)."""
        return meter_values(transaction["connector"], transaction["id"], self.meter_wh)

    async def _stop(self, transaction: dict) -> None:
        if transaction["stop"] is None:
            transaction["stop"] = {
                "transactionId": transaction["id"],
                "meterStop": self.meter_wh,
                "timestamp": now_iso(),
                "reason": "Local",
            }
        await self.call("StopTransaction", transaction["stop"])
        del self.open_transactions[transaction["connector"]]
        await self.status(transaction["connector"], "Finishing")
        await self.status(transaction["connector"], "Available")


def connect_failure_kind(error: Exception) -> str:
    """A short, countable name: the exception's class, with the errno's name for a bare
    OSError (EMFILE, EADDRNOTAVAIL...) and the HTTP status for a refused upgrade."""
    kind = error.kind if isinstance(error, CallFailed) else type(error).__name__
    if isinstance(error, wire.HandshakeError):
        status = str(error).split(" ")
        return f"{kind}:{status[1]}" if len(status) > 1 else kind
    if type(error) is OSError and error.errno:
        return f"{kind}:{errno.errorcode.get(error.errno, error.errno)}"
    return kind


def meter_values(connector: int, transaction_id: int, energy_wh: int) -> dict:
    return {
        "connectorId": connector,
        "transactionId": transaction_id,
        "meterValue": [
            {
                "timestamp": now_iso(),
                "sampledValue": [
                    {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }
