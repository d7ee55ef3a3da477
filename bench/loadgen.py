"""The load generator process: `python -m bench.loadgen SPEC_JSON`.

It runs one workload against one server and talks to the orchestrator through JSON
lines on stdout: {"event": "ready"}, {"event": "measure_start", "label": ...},
{"event": "measure_end", "label": ..., "result": {...}}, {"event": "done"}. The
orchestrator samples the server's CPU and memory at exactly those moments.

Workloads: "echo" (200-byte frames, closed loop), "ocpp_loop" (one OCPP CALL in a
closed loop per socket), "live_ws" (the /ws/live/ subscribe round trip), "http"
(keep-alive GETs), "fleet" (simulated chargers in steps, optionally a reconnect storm).
"""

import asyncio
import gc
import json
import random
import resource
import sys
import time

import uvloop

from bench import httpclient, simulator, simulator_v201, wire
from bench.stats import latency_summary, percentile


def emit(event: str, **fields) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LoopLag:
    """How late this process's event loop wakes a 10 ms timer: a generator that stalls
    (CPU starved, collecting garbage) would add its stall to every round trip it times,
    so each window reports it beside the latencies."""

    TICK = 0.01

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self.task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.lags_ms.append((time.perf_counter() - before - self.TICK) * 1000)

    def stop(self) -> dict:
        self.task.cancel()
        lags = self.lags_ms or [0.0]
        return {"p99": percentile(lags, 99), "max": max(lags)}


class Window:
    """A measurement window: the recorder's figures plus this process's CPU use and
    event-loop lag."""

    def __init__(self, recorder: simulator.Recorder, label: str) -> None:
        self.recorder = recorder
        self.label = label

    def __enter__(self):
        self.recorder.reset()
        self.recorder.recording = True
        self.started = time.monotonic()
        self.cpu = cpu_seconds()
        self.loop_lag = LoopLag()
        emit("measure_start", label=self.label)
        return self

    def __exit__(self, *exc) -> None:
        self.recorder.recording = False
        self.elapsed = time.monotonic() - self.started
        self.generator_cpu = (cpu_seconds() - self.cpu) / self.elapsed
        self.generator_lag = self.loop_lag.stop()

    def result(self, **extra) -> dict:
        recorder = self.recorder
        return {
            "seconds": round(self.elapsed, 3),
            "completed": recorder.completed,
            "msgs_per_s": recorder.completed / self.elapsed,
            "failures": dict(recorder.failures),
            "failure_count": sum(recorder.failures.values()),
            "latency": {action: latency_summary(values) for action, values in recorder.round_trips.items()},
            "generator_cpu": self.generator_cpu,
            "generator_lag_ms": self.generator_lag,
            **extra,
        }


async def open_many(count: int, opener, *, concurrency: int = 100) -> list:
    """Open `count` connections, at most `concurrency` handshakes at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int):
        async with gate:
            return await opener(index)

    return await asyncio.gather(*(one(index) for index in range(count)))


async def closed_loop(spec: dict) -> None:
    recorder = simulator.Recorder()
    host, port = spec["host"], spec["port"]
    kind = spec["kind"]
    frame, action = request_for(spec)

    async def opener(index: int):
        if kind == "http":
            return await httpclient.connect(host=host, port=port)
        link = simulator.Link(recorder=recorder, echo=kind in ("echo", "live_ws"))
        await link.open(
            host=host,
            port=port,
            path=spec.get("path", "/"),
            subprotocol=spec.get("subprotocol"),
            headers=spec.get("headers"),
        )
        return link

    links = await open_many(spec["connections"], opener)
    emit("ready", connections=len(links))
    stop = asyncio.Event()

    async def drive(link) -> None:
        turn = random.randrange(1000)
        while not stop.is_set():
            try:
                if kind == "http":
                    turn += 1
                    await link.request(frame[turn % len(frame)], recorder=recorder, action=action)
                else:
                    await link.send_and_wait(frame, unique_id="1", action=action, timeout=30)
            except (simulator.CallFailed, ConnectionError):
                if not link.is_open:
                    return

    drivers = [asyncio.ensure_future(drive(link)) for link in links]
    await asyncio.sleep(spec.get("warmup", 2))
    with Window(recorder, spec.get("label", kind)) as window:
        await asyncio.sleep(spec["duration"])
    held = sum(1 for link in links if link.is_open)
    emit("measure_end", label=window.label, result=window.result(connections=len(links), connections_held=held))
    stop.set()
    await asyncio.wait(drivers, timeout=35)
    for link in links:
        link.close()


def request_for(spec: dict) -> tuple[bytes, str]:
    """The frame a closed-loop socket sends over and over, and the action it is timed as."""
    kind = spec["kind"]
    if kind == "echo":
        size = spec.get("frame_bytes", 200)
        return (b'{"echo":"' + b"x" * (size - 11) + b'"}')[:size], "echo"
    if kind == "live_ws":
        return json.dumps({"subscribe": "station", "id": spec["station_id"]}).encode(), "subscribe"
    if kind == "http":
        paths = spec.get("paths") or [spec["path"]]
        requests = [httpclient.get_request(host=spec["host"], port=spec["port"], path=path) for path in paths]
        return requests, "GET " + spec["path"]
    action = spec["action"]
    payloads = {
        "MeterValues": lambda: simulator.meter_values(1, 1, 12345),
        # The same Updated over and over: the bare central system keeps no transactions.
        "TransactionEvent": lambda: simulator_v201.transaction_updated(
            seq_no=1, transaction_id="bench-s0", evse_id=1, energy_wh=12345
        ),
    }
    payload = payloads[action]() if action in payloads else {}
    return json.dumps([2, "1", action, payload], separators=(",", ":")).encode(), action


async def fleet(spec: dict) -> None:
    recorder = simulator.Recorder()
    target = simulator.Target(host=spec["host"], port=spec["port"])
    profile = simulator.ChargerProfile(**spec.get("profile", {}))
    credentials = spec["credentials"]  # [[identity, password], ...]
    stop = asyncio.Event()
    chargers: list[simulator.Charger] = []
    tasks: list[asyncio.Task] = []
    for step in spec["steps"]:
        started = time.monotonic()
        while len(chargers) < step["chargers"]:
            identity, password = credentials[len(chargers)]
            charger = simulator.Charger(
                identity=identity, password=password, target=target, profile=profile, recorder=recorder
            )
            chargers.append(charger)
            tasks.append(asyncio.ensure_future(charger.run(stop)))
            await asyncio.sleep(1 / spec.get("ramp_per_s", 200))
        booted = await wait_booted(chargers, timeout=spec.get("boot_timeout", 120))
        # The fleet's objects live until the run ends: keep them out of the collector's
        # walks, which otherwise paused this process ~0.5 s at 10k sockets mid-window.
        gc.collect()
        gc.freeze()
        emit(
            "ready",
            chargers=len(chargers),
            booted=booted,
            ramp_seconds=round(time.monotonic() - started, 1),
            connect_failures_so_far=dict(recorder.connect_failures),
        )
        await asyncio.sleep(step.get("settle", 2))
        with Window(recorder, step.get("label", f"{step['chargers']} chargers")) as window:
            await asyncio.sleep(step["measure"])
        emit("measure_end", label=window.label, result=window.result(**fleet_facts(chargers, booted, recorder)))
        if booted < 0.99 * step["chargers"]:
            emit("ramp_stopped", reached=booted, wanted=step["chargers"])
            break
    if "storm" in spec:
        await reconnect_storm(chargers, recorder, spec["storm"])
    stop.set()
    for charger in chargers:
        if charger.link is not None:
            charger.link.close()
    await asyncio.wait(tasks, timeout=10)


def fleet_facts(chargers: list[simulator.Charger], booted: int, recorder: simulator.Recorder) -> dict:
    return {
        "connect_failures_so_far": dict(recorder.connect_failures),
        "connections": len(chargers),
        "booted": booted,
        "connections_held": sum(1 for c in chargers if c.link is not None and c.link.is_open),
        "handshake_failures": sum(c.state.handshake_failures for c in chargers),
        "transactions_started": sum(len(c.state.transactions) for c in chargers),
        "csms_calls": sum((c.link.csms_calls for c in chargers if c.link is not None), start=simulator.Counter()),
    }


async def wait_booted(chargers: list[simulator.Charger], *, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        booted = sum(1 for c in chargers if c.state.booted_at and c.link.is_open)
        if booted == len(chargers):
            return booted
        await asyncio.sleep(0.25)
    return sum(1 for c in chargers if c.state.booted_at and c.link is not None and c.link.is_open)


async def reconnect_storm(chargers: list[simulator.Charger], recorder: simulator.Recorder, storm: dict) -> None:
    """Wait for the orchestrator to kill the server, then time every charger's re-boot."""
    emit("storm_ready", chargers=len(chargers))
    boots_before = [len(c.state.booted_at) for c in chargers]
    deadline = time.monotonic() + storm["wait_for_kill"]
    while time.monotonic() < deadline and not any(c.state.disconnected_at for c in chargers):
        await asyncio.sleep(0.05)
    killed_at = min((c.state.disconnected_at[0] for c in chargers if c.state.disconnected_at), default=None)
    if killed_at is None:
        emit("measure_end", label="storm", result={"error": "no disconnect seen"})
        return
    recorder.reset()
    recorder.recording = True
    deadline = killed_at + storm["timeout"]
    while time.monotonic() < deadline:
        rebooted = sum(1 for c, before in zip(chargers, boots_before, strict=True) if len(c.state.booted_at) > before)
        if rebooted == len(chargers):
            break
        await asyncio.sleep(0.25)
    recorder.recording = False
    delays = [
        c.state.booted_at[before] - killed_at if len(c.state.booted_at) > before else float("inf")
        for c, before in zip(chargers, boots_before, strict=True)
    ]
    finite = [d for d in delays if d != float("inf")]
    emit(
        "measure_end",
        label="storm",
        result={
            "chargers": len(chargers),
            # On CLOCK_MONOTONIC, which every process on the machine shares: the
            # orchestrator places the server's restart on the same time line.
            "killed_at": killed_at,
            "rebooted": len(finite),
            "seconds_to_first": min(finite, default=None),
            "seconds_to_99pct": percentile(delays, 99) if len(finite) >= 0.99 * len(chargers) else None,
            "seconds_to_50pct": percentile(finite, 50),
            "seconds_to_all": max(finite) if len(finite) == len(chargers) else None,
            # When the re-boots happened: a fleet that waits and then re-boots at once looks
            # different here from one that trickles in, though both have the same 99 %.
            "reboot_deciles": [round(percentile(finite, q), 1) for q in range(10, 100, 10)] if finite else [],
            "failure_kinds": dict(recorder.failures),
            "failure_count": sum(recorder.failures.values()),
            "transactions_started": sum(len(c.state.transactions) for c in chargers),
        },
    )


async def rate_steps(spec: dict) -> None:
    """S3: C chargers each in a transaction send meter values on a schedule (MeterValues
    in OCPP 1.6, TransactionEvent(Updated) in 2.0.1: spec["ocpp"]); the total rate rises
    step by step until p99 passes the limit or calls fail."""
    recorder = simulator.Recorder()
    version = spec.get("ocpp", "1.6")
    target = simulator.Target(host=spec["host"], port=spec["port"], subprotocol=simulator_v201.SUBPROTOCOLS[version])
    profile = simulator.ChargerProfile(connectors=1, heartbeat_interval=0, call_timeout=spec.get("call_timeout", 10))
    if "id_tag" in spec:
        profile.id_tag = spec["id_tag"]
    charger_class = simulator_v201.CHARGERS[version]
    chargers = [
        charger_class(identity=identity, password=password, target=target, profile=profile, recorder=recorder)
        for identity, password in spec["credentials"]
    ]

    async def prepare(index: int) -> None:
        charger = chargers[index]
        await charger._connect_and_boot()
        await charger._start(charger._new_transaction(1))

    await open_many(len(chargers), prepare, concurrency=50)
    emit("ready", chargers=len(chargers))
    rate = {"per_s": spec["rates"][0], "step": 0}
    stop = asyncio.Event()

    async def pump(charger: simulator.Charger) -> None:
        transaction = charger.open_transactions[1]
        step, next_at = -1, 0.0
        while not stop.is_set():
            if step != rate["step"]:
                # A new step takes effect at once, with the sockets spread over one new interval.
                step = rate["step"]
                next_at = time.monotonic() + random.random() * len(chargers) / rate["per_s"]
            if time.monotonic() < next_at:
                await asyncio.sleep(min(0.25, next_at - time.monotonic()))
                continue
            charger.meter_wh += 25
            try:
                await charger.call(charger.meter_action, charger.meter_update(transaction))
            except simulator.CallFailed:
                if not charger.link.is_open:
                    return
            next_at = max(next_at + len(chargers) / rate["per_s"], time.monotonic() - 1)

    pumps = [asyncio.ensure_future(pump(charger)) for charger in chargers]
    for per_s in spec["rates"]:
        rate["per_s"] = per_s
        rate["step"] += 1
        await asyncio.sleep(spec.get("settle", 3))
        with Window(recorder, f"{per_s} msgs/s offered") as window:
            await asyncio.sleep(spec["measure"])
        result = window.result(offered_per_s=per_s, connections_held=sum(1 for c in chargers if c.link.is_open))
        emit("measure_end", label=window.label, result=result)
        p99 = (result["latency"].get(charger_class.meter_action) or {}).get("p99")
        if result["failure_count"] or p99 is None or p99 > spec.get("p99_limit_ms", 1000):
            break
    stop.set()
    await asyncio.wait(pumps, timeout=15)
    for charger in chargers:
        charger.link.close()


async def main(spec: dict) -> None:
    if spec["kind"] == "fleet":
        await fleet(spec)
    elif spec["kind"] == "rate_steps":
        await rate_steps(spec)
    else:
        await closed_loop(spec)
    emit("done")


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        spec = json.load(spec_file)
    gc.set_threshold(50_000, *gc.get_threshold()[1:])  # see config/gc_tuning.py
    try:
        uvloop.run(asyncio.wait_for(main(spec), spec.get("time_limit", 900)))
    except (wire.HandshakeError, OSError, TimeoutError) as error:
        emit("error", error=f"{type(error).__name__}: {error}")
        sys.exit(1)
