"""Billing (price and invoice 100k sessions, goal < 60 s) and the public API
(`locations/?near=` p99 at 10k stations, goal < 50 ms): other engineers' code, measured
through their own services and endpoint."""

import json
import os
import random
import subprocess
import sys

from bench import results, runner
from bench.scenarios import Context
from bench.scenarios.baseline import prepared

LOCATIONS = "GET /api/v1/locations/?near"


def billing(ctx: Context) -> dict:
    rows = []
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        mode.provision(1000)
        for workers in (1, 2):
            if workers > 1 and mode_name == "embedded":
                continue  # SQLite has one writer: a second pricing process would only wait
            runs = [
                _billing_run(ctx, mode, months_ago=(workers - 1) * ctx.repeats + repeat + 1, workers=workers)
                for repeat in range(ctx.repeats)
            ]
            label = "1 process" if workers == 1 else f"{workers} processes, one per core"
            rows.append(
                results.row(
                    f"{ctx.size['billing_sessions']:,} sessions, {label}",
                    runs,
                    actions=[],
                    baseline=ctx.baseline,
                    mode=mode_name,
                    extra={
                        "price s": lambda r: r["price_seconds"],
                        "invoice s": lambda r: r["invoice_seconds"],
                        "total s": lambda r: r["total_seconds"],
                        "job CPU s": lambda r: r.get("job_cpu_seconds"),
                        "CDRs": lambda r: r["priced"],
                        "invoices": lambda r: r["invoices"],
                    },
                )
            )
    return {
        "title": "Billing: price and invoice 100k sessions (goal < 60 s)",
        "command": ctx.command("billing"),
        "rows": rows,
        "note": (
            "msgs/s here is sessions priced and invoiced per second. The 1-process job runs pinned to the "
            "server core; with 2 processes pricing runs one process per core (no load generator runs in "
            "this scenario), invoicing stays in one."
        ),
    }


def _billing_run(ctx: Context, mode, *, months_ago: int, workers: int) -> dict:
    completed = subprocess.run(
        [
            "taskset",
            "-c",
            runner.SERVER_CORE,
            sys.executable,
            "-m",
            "bench.billing_job",
            str(ctx.size["billing_sessions"]),
            str(months_ago),
            str(workers),
        ],
        cwd=runner.BASE_DIR,
        env={**os.environ, **mode.env},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"billing job failed:\n{completed.stderr[-3000:]}")
    job = json.loads(completed.stdout.strip().splitlines()[-1])
    return {**job, "msgs_per_s": job["sessions"] / job["total_seconds"]}


def api(ctx: Context) -> dict:
    rows = []
    stations = ctx.size["api_stations"]
    rng = random.Random(8)
    # Points inside the provisioned grid (47.5–48.9 N, 6.0–7.4 E at 10k stations).
    paths = [f"/api/v1/locations/?near={47.6 + rng.random():.4f},{6.1 + rng.random():.4f}" for _ in range(20)]
    for mode_name in ctx.modes:
        mode = prepared(ctx, mode_name)
        mode.provision(stations)
        # One client at a time (the latency a caller sees) and several at once (the
        # throughput of one process, where the queue adds to the latency).
        for connections in sorted({1, ctx.size["api_connections"]}):
            runs = []
            for _ in range(ctx.repeats):
                server = mode.asgi_server()
                # The anonymous throttle (120/min per IP) would answer 429 to a load test from one address.
                # Per second, not per minute: DRF keeps every request of the period in the
                # caller's history, and a minute of a load test is a far longer list than
                # any real caller's under the default 120/minute.
                server.env["API_THROTTLE_ANON"] = "1000000/second"
                with server:
                    spec = {"kind": "http", "path": "/api/v1/locations/?near", "paths": paths, "label": "api"}
                    spec.update(connections=connections, duration=ctx.size["window"], warmup=2)
                    runs.append(runner.run_generator(spec, server=server)["windows"]["api"])
            rows.append(
                results.row(
                    f"{stations:,} stations, {connections} conn",
                    runs,
                    actions=[LOCATIONS],
                    baseline=ctx.baseline,
                    mode=mode_name,
                )
            )
    return {
        "title": "API: locations/?near= p99 at 10k stations (goal < 50 ms)",
        "command": ctx.command("api"),
        "rows": rows,
        "note": "20 points inside the fleet's grid in rotation, default radius (25 km), first page of 50 sites.",
    }
