"""S1–S4 against the real gateway (config.asgi under uvicorn, as the Procfile runs it),
in each mode asked for: embedded (SQLite) and production (PostgreSQL + Redis)."""

import math
import threading
import time

from bench import probes, results, runner, simulator, simulator_v201
from bench.scenarios import Context
from bench.scenarios.baseline import prepared
from bench.stats import median

FLEET_LIMIT = 1500  # seconds any one generator run may take


class DatabaseWindow:
    """on_event hook: rows written per second and the Celery queue's peak length over
    each measurement window, read from outside the server."""

    def __init__(self, mode) -> None:
        self.mode = mode
        self.figures: dict[str, dict] = {}
        self._stop = threading.Event()

    def __call__(self, name: str, event: dict) -> None:
        if name == "measure_start":
            self.started = time.monotonic()
            self.rows = probes.rows_written(self.mode)
            self.queue_peak = probes.celery_queue_length(self.mode) or 0
            self._stop.clear()
            threading.Thread(target=self._poll, daemon=True).start()
        elif name == "measure_end" and event["label"] != "storm":
            self._stop.set()
            elapsed = time.monotonic() - self.started
            self.figures[event["label"]] = {
                "db_rows_per_s": (probes.rows_written(self.mode) - self.rows) / elapsed,
                "celery_queue_peak": self.queue_peak,
                "celery_queue_end": probes.celery_queue_length(self.mode),
            }

    def _poll(self) -> None:
        while not self._stop.wait(1):
            self.queue_peak = max(self.queue_peak, probes.celery_queue_length(self.mode) or 0)


def run_fleet(ctx: Context, mode, spec: dict, *, on_event=None, celery: bool = False) -> list[dict]:
    """Repeat one generator run against a fresh uvicorn; returns each run's outcome with the
    server's idle RSS (after start-up, before any charger) beside its windows."""
    outcomes = []
    for _ in range(ctx.repeats):
        worker = mode.celery_worker() if celery else None
        if worker is not None:
            worker.start()
        try:
            with mode.asgi_server() as server:
                idle_rss_mib = runner.rss_of(server.processes()) / 2**20
                hook = on_event(server) if on_event else None
                outcome = runner.run_generator(spec, server=server, on_event=hook, time_limit=FLEET_LIMIT)
                outcome["idle_rss_mib"] = idle_rss_mib
                outcome["hook"] = hook
                outcomes.append(outcome)
        finally:
            if worker is not None:
                worker.stop()
    return outcomes


def s1(ctx: Context) -> dict:
    steps = ctx.size["s1_steps"]
    rows = []
    notes = []
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        spec = {
            "kind": "fleet",
            "credentials": mode.fleet(max(steps)),
            # A charger refused at the handshake (a process's OCPP_MAX_CONNECTING reached
            # while the ramp outruns it) retries after its back-off, as firmware does.
            "profile": {"connectors": 2, "heartbeat_interval": 60, "reconnect": True, "reconnect_jitter": 10},
            "steps": [{"chargers": n, "settle": 2, "measure": ctx.size["s1_measure"]} for n in steps],
            "ramp_per_s": ctx.size["s1_ramp_per_s"],
            "boot_timeout": ctx.size["boot_timeout"],
        }
        outcomes = run_fleet(ctx, mode, spec)
        reached = [e["ramp_stopped"]["reached"] for o in outcomes for e in o["events"] if "ramp_stopped" in e]
        if reached:
            notes.append(
                f"{mode_name}: the ramp stopped in {len(reached)} of {len(outcomes)} runs, at a step where only "
                f"{', '.join(str(r) for r in reached)} chargers had booted and stayed connected within the boot "
                f"timeout ({spec['boot_timeout']} s); later steps were not attempted."
            )
        for n in steps:
            label = f"{n} chargers"
            runs = [
                {**o["windows"][label], "idle_rss_mib": o["idle_rss_mib"]} for o in outcomes if label in o["windows"]
            ]
            if not runs:
                continue
            rows.append(
                results.row(
                    label,
                    runs,
                    actions=["Heartbeat"],
                    baseline=ctx.baseline,
                    mode=mode_name,
                    extra={
                        "held %": held_percent,
                        "RSS/conn KiB": rss_per_connection,
                        "booted": lambda r: r["booted"],
                        "connect failures so far": lambda r: sum((r.get("connect_failures_so_far") or {}).values()),
                    },
                )
            )
        kinds = connect_failure_kinds(outcomes)
        if kinds:
            notes.append(f"{mode_name}: connect failures by kind, all runs, ramps included: {kinds}.")
    return {
        "title": "S1 connections: ramp 1k → 5k → 10k chargers, 60 s heartbeats, hold",
        "command": ctx.command("s1"),
        "rows": rows,
        "note": " ".join(notes),
    }


def connect_failure_kinds(outcomes: list[dict]) -> dict:
    """Every run's connect failures by kind, from its latest report (the counts only grow)."""
    total: dict = {}
    for outcome in outcomes:
        reports = [e["ready"] for e in outcome["events"] if "ready" in e] + list(outcome["windows"].values())
        counts = [r.get("connect_failures_so_far", {}) for r in reports]
        latest = max(counts, key=lambda c: sum(c.values()), default={})
        for kind, count in latest.items():
            total[kind] = total.get(kind, 0) + count
    return total


def held_percent(run: dict) -> float | None:
    return 100 * run["connections_held"] / run["connections"] if run.get("connections") else None


def rss_per_connection(run: dict) -> float | None:
    held = run.get("connections_held")
    return (run["server_rss_mib"] - run["idle_rss_mib"]) * 1024 / held if held else None


def s2(ctx: Context) -> dict:
    rows = []
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        spec = {
            "kind": "fleet",
            "credentials": mode.fleet(ctx.size["s2_chargers"]),
            "profile": {
                "connectors": 2,
                "heartbeat_interval": 60,
                "meter_interval": 10,
                "charging_fraction": 0.5,
                "session_seconds": 180,
                "id_tag": simulator.PER_CONNECTOR,
            },
            "steps": [{"chargers": ctx.size["s2_chargers"], "settle": 10, "measure": ctx.size["s2_measure"]}],
            "ramp_per_s": ctx.size["s1_ramp_per_s"],
            "boot_timeout": ctx.size["boot_timeout"],
        }
        outcomes = run_fleet(ctx, mode, spec, on_event=lambda server, mode=mode: DatabaseWindow(mode), celery=True)
        label = f"{ctx.size['s2_chargers']} chargers"
        runs = [{**o["windows"][label], **o["hook"].figures.get(label, {})} for o in outcomes if label in o["windows"]]
        rows.append(
            results.row(
                f"{ctx.size['s2_chargers']} chargers × 2, 50% charging",
                runs,
                actions=["StartTransaction", "MeterValues", "StopTransaction", "StatusNotification", "Heartbeat"],
                baseline=ctx.baseline,
                mode=mode_name,
                extra={
                    "DB rows/s": lambda r: r.get("db_rows_per_s"),
                    "Celery queue peak": lambda r: r.get("celery_queue_peak"),
                    "transactions": lambda r: r.get("transactions_started"),
                },
            )
        )
    return {
        "title": "S2 realistic: chargers × 2 connectors, 50% charging, MeterValues every 10 s",
        "command": ctx.command("s2"),
        "rows": rows,
    }


def s3(ctx: Context) -> dict:
    """The meter-value ceiling in the OCPP version asked for (ctx.ocpp): MeterValues in
    1.6, TransactionEvent(Updated) in 2.0.1."""
    action = simulator_v201.METER_ACTIONS[ctx.ocpp]
    rows = []
    notes = []
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        spec = {
            "kind": "rate_steps",
            "ocpp": ctx.ocpp,
            "credentials": mode.fleet(ctx.size["s3_chargers"]),
            "rates": ctx.size["s3_rates"],
            "measure": ctx.size["s3_measure"],
            "settle": 3,
            "p99_limit_ms": 1000,
            # Each charger starts with its own token, so every meter value lands in an
            # accepted session, priced and followed live as a real one is.
            "id_tag": simulator.PER_CONNECTOR,
        }
        outcomes = run_fleet(ctx, mode, spec)
        ceilings = [sustained_ceiling(o["windows"], action=action) for o in outcomes]
        ceiling = median(ceilings)
        notes.append(f"{mode_name}: {ceiling_words(ctx, action, ceiling, ceilings)}")
        for rate in ctx.size["s3_rates"]:
            label = f"{rate} msgs/s offered"
            runs = [o["windows"][label] for o in outcomes if label in o["windows"]]
            if runs:
                rows.append(results.row(label, runs, actions=[action], baseline=ctx.baseline, mode=mode_name))
    what = "MeterValues" if action == "MeterValues" else f"OCPP {ctx.ocpp} TransactionEvent(Updated)"
    return {
        "title": f"S3 ceiling: {what} rate raised until p99 > 1 s or errors",
        "command": ctx.command("s3"),
        "rows": rows,
        "note": " ".join(notes),
    }


def ceiling_words(ctx: Context, action: str, ceiling: float | None, ceilings: list) -> str:
    """The ceiling as a share of S0's echo and, when S0 ran in the same invocation, of its
    bare `ocpp` package row (issue 24's S3 goal)."""
    echo = (ctx.baseline or {}).get("msgs_per_s")
    bare = (ctx.bare or {}).get("msgs_per_s")
    words = (
        f"highest sustained persisted {action} rate {results.fmt(ceiling, 0)} msgs/s "
        f"(runs: {', '.join(results.fmt(c, 0) for c in ceilings)}) = "
        f"{results.fmt(100 * ceiling / echo if ceiling and echo else None)} % of S0 echo"
    )
    if bare:
        share = 100 * ceiling / bare if ceiling else None
        words += f", {results.fmt(share)} % of the bare ocpp pkg (OCPP {ctx.ocpp}, 100 conn, this run)"
    return words + "."


def sustained_ceiling(windows: dict, *, action: str = "MeterValues") -> float | None:
    """The highest achieved rate among steps that kept up (≥ 95% of offered), stayed
    under the p99 limit and had no failures."""
    best = None
    for window in windows.values():
        p99 = (window["latency"].get(action) or {}).get("p99")
        kept_up = window["msgs_per_s"] >= 0.95 * window["offered_per_s"]
        if kept_up and not window["failure_count"] and p99 is not None and p99 <= 1000:
            best = max(best or 0, window["msgs_per_s"])
    return best


def storm_spec(mode, count: int, size: dict) -> dict:
    """S4's fleet: chargers with sessions under way, reconnecting with jitter like firmware."""
    return {
        "kind": "fleet",
        "credentials": mode.fleet(count),
        "profile": {
            "connectors": 2,
            "heartbeat_interval": 60,
            "meter_interval": 30,
            "charging_fraction": 0.2,
            "session_seconds": 300,
            "id_tag": simulator.PER_CONNECTOR,
            "reconnect": True,
            "reconnect_jitter": 10,
        },
        "steps": [{"chargers": count, "settle": 5, "measure": 10, "label": "before"}],
        "ramp_per_s": size["s1_ramp_per_s"],
        "boot_timeout": size["boot_timeout"],
        "storm": {"wait_for_kill": 60, "timeout": 180},
    }


def s4(ctx: Context) -> dict:
    rows = []
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        count = ctx.size["s4_chargers"]
        outcomes = run_fleet(ctx, mode, storm_spec(mode, count, ctx.size), on_event=StormHook)
        duplicates = probes.duplicate_sessions(mode)
        runs = [
            {**o["windows"].get("before", {}), "storm": o["windows"]["storm"], "restart": o["hook"].restart}
            for o in outcomes
            if "storm" in o["windows"]
        ]
        rows.append(
            results.row(
                f"{count} chargers, kill -9 and restart",
                runs,
                actions=[],
                baseline=ctx.baseline,
                mode=mode_name,
                extra={
                    # A run where 99% never re-booted counts as infinitely slow, not as missing.
                    "s to 99% re-booted": lambda r: r["storm"].get("seconds_to_99pct") or math.inf,
                    "s to 50%": lambda r: r["storm"].get("seconds_to_50pct"),
                    "s to first": lambda r: r["storm"].get("seconds_to_first"),
                    "s to server up": lambda r: r["restart"]["up_at"] - r["storm"]["killed_at"],
                    "re-booted": lambda r: r["storm"].get("rebooted"),
                    "storm server CPU": lambda r: r["storm"].get("server_cpu"),
                    "storm PG CPU": lambda r: r["storm"].get("postgres_cpu"),
                    "handshake failures": lambda r: r["storm"].get("failure_count"),
                    "duplicate sessions": lambda r, d=duplicates: (
                        d["open_twice_on_a_connector"] + d["same_start_twice"]
                    ),
                },
            )
        )
    return {
        "title": "S4 reconnect storm: kill the ASGI server with chargers connected, restart",
        "command": ctx.command("s4"),
        "rows": rows,
        "note": (
            "Columns before the storm's are the steady state just before the kill. s to server up: from the "
            "first charger seeing its socket close to the restarted server answering /healthz. Storm CPU: "
            "from then until every charger had re-booted (or the 180 s limit). The JSON keeps every run's "
            "re-boot deciles and failure kinds."
        ),
    }


class StormHook:
    """on_event hook for S4: on the generator's signal, SIGKILL the server and start a new
    one on the same port; `restart` keeps when (CLOCK_MONOTONIC, shared with the generator)."""

    def __init__(self, server: runner.Server, on_restarted=None) -> None:
        self.server = server
        self.on_restarted = on_restarted
        self.restart: dict = {}

    def __call__(self, name: str, event: dict) -> None:
        if name != "storm_ready":
            return
        self.restart["kill_at"] = time.monotonic()
        self.server.kill()
        self.server.start(timeout=120)
        self.restart["up_at"] = time.monotonic()
        if self.on_restarted is not None:
            self.on_restarted(self.server)
