"""S0: the Python limit on this box (a bare `websockets` echo server on uvloop) and the
protocol-only cost (a central system on the `ocpp` package, no database); and the ASGI
server comparison behind docs/asgi-server.md (uvicorn vs daphne on the same app)."""

import sys

from bench import modes, probes, results, runner, simulator_v201
from bench.scenarios import Context
from config import bench_fleet


def echo_server() -> runner.Server:
    port = runner.free_port()
    return runner.Server(name="echo", command=[sys.executable, "-m", "bench.servers.echo", str(port)], port=port)


def ocpp_server() -> runner.Server:
    port = runner.free_port()
    command = [sys.executable, "-m", "bench.servers.ocpp_central", str(port)]
    return runner.Server(name="ocpp-central", command=command, port=port)


def closed_loop_runs(ctx: Context, make_server, spec: dict, label: str) -> list[dict]:
    runs = []
    for _ in range(ctx.repeats):
        with make_server() as server:
            outcome = runner.run_generator(
                {"duration": ctx.size["window"], "warmup": 2, "label": label, **spec}, server=server
            )
        runs.append(outcome["windows"][label])
    return runs


def echo_baseline(ctx: Context, connections: int = 100) -> list[dict]:
    return closed_loop_runs(ctx, echo_server, {"kind": "echo", "connections": connections}, "echo")


def s0(ctx: Context) -> dict:
    rows = []
    for connections in ctx.size["s0_connections"]:
        runs = echo_baseline(ctx, connections)
        if connections == 100:
            ctx.baseline = results.row("", runs, actions=["echo"], baseline=None)["median"]
        rows.append((f"echo 200 B, {connections} conn", runs, ["echo"]))
    # The action S3 measures in this version, so that the two rates make a same-run ratio.
    action = simulator_v201.METER_ACTIONS[ctx.ocpp]
    version = f" {ctx.ocpp}" if ctx.ocpp != "1.6" else ""
    for connections in ctx.size["s0_connections"]:
        spec = {"kind": "ocpp_loop", "action": action, "connections": connections}
        spec.update(path="/ocpp/CP-S0", subprotocol=simulator_v201.SUBPROTOCOLS[ctx.ocpp])
        runs = closed_loop_runs(ctx, ocpp_server, spec, "ocpp")
        if connections == 100:
            ctx.bare = results.row("", runs, actions=[action], baseline=None)["median"]
        rows.append((f"bare ocpp pkg{version}, {connections} conn", runs, [action]))
    return {
        "title": f"S0 baseline: websockets echo (uvloop) and bare `ocpp` central system (OCPP {ctx.ocpp})",
        "command": ctx.command("s0"),
        "rows": [results.row(label, runs, actions=actions, baseline=ctx.baseline) for label, runs, actions in rows],
    }


def asgi(ctx: Context) -> dict:
    """uvicorn (uvloop + httptools) vs daphne serving config.asgi on one core, in each mode
    asked for: GET /healthz and the /ws/live/ subscribe round trip, runs interleaved."""
    rows = []
    for mode_name in ctx.modes:
        rows += asgi_rows(ctx, prepared(ctx, mode_name))
    return {"title": "ASGI server: uvicorn vs daphne (one core each)", "command": ctx.command("asgi"), "rows": rows}


def asgi_rows(ctx: Context, mode: modes.Mode) -> list[dict]:
    station_id = modes_station_id(mode)
    runs: dict[tuple[str, str], list[dict]] = {}
    connections = ctx.size["asgi_connections"]
    for _ in range(ctx.repeats):
        for server_name in ("uvicorn", "daphne"):
            with mode.asgi_server(server=server_name) as server:
                http = {"kind": "http", "path": "/healthz", "connections": connections, "label": "http"}
                live = {"kind": "live_ws", "path": "/ws/live/", "connections": connections, "label": "live"}
                live.update(station_id=station_id, headers={"Origin": f"http://{runner.HOST}:{server.port}"})
                for spec in (http, live):
                    spec.update(duration=ctx.size["window"], warmup=2)
                    outcome = runner.run_generator(spec, server=server)
                    runs.setdefault((server_name, spec["label"]), []).append(outcome["windows"][spec["label"]])
    rows = []
    for (server_name, label), server_runs in runs.items():
        action = "GET /healthz" if label == "http" else "subscribe"
        case = f"{server_name}, {'GET /healthz' if label == 'http' else '/ws/live/ subscribe'}, {connections} conn"
        rows.append(results.row(case, server_runs, actions=[action], baseline=ctx.baseline, mode=mode.name))
    return rows


def prepared(ctx: Context, name: str) -> modes.Mode:
    """The mode's bench database, reset once per invocation and provisioned lazily."""
    if name not in ctx.prepared_modes:
        mode = modes.MODES[name]()
        mode.env.update(ctx.extra_env)
        mode.reset()
        ctx.prepared_modes[name] = mode
    return ctx.prepared_modes[name]


def modes_station_id(mode: modes.Mode) -> int:
    mode.provision(10)
    identity = bench_fleet.identity(bench_fleet.DEFAULT_PREFIX, 1)
    return int(probes.query(mode, f"SELECT id FROM stations_chargingstation WHERE identity = '{identity}'")[0][0])  # noqa: S608
