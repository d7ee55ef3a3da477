"""`python -m bench.profile [--mode production] [--rate 100] [--chargers 200] [--seconds 20] [--ocpp 2.0.1]`

Where the gateway's CPU goes: starts the gateway as the benchmark does (pinned to the
server core), drives it with the S3 generator at one fixed MeterValues rate (with `--ocpp
2.0.1`, TransactionEvent(Updated)), and attaches
py-spy (`--gil`, so samples count only the thread holding the GIL, i.e. Python CPU) for
the measurement window; or, with `--storm N`, runs S4's reconnect storm with N chargers
and attaches py-spy to the restarted server for its first `--seconds`; or, with `--idle N`, holds S1's idle fleet of N chargers (60 s heartbeats)
and profiles its steady state. Prints the functions with the largest inclusive share of samples
and writes the raw stacks next to the results (bench/results/profile-<mode>.txt)."""

import argparse
import collections
import subprocess
import sys
from pathlib import Path

from bench import modes, results, runner, simulator
from bench.results import RESULTS_DIR
from bench.scenarios import SIZES
from bench.scenarios.gateway import StormHook, storm_spec


def summarize(raw: str, top: int) -> list[tuple[str, float, float]]:
    """(function, inclusive %, self %) from py-spy's raw (collapsed) output."""
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [frame.split(" (")[0] for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    if not total:
        return []
    return [(name, 100 * count / total, 100 * own[name] / total) for name, count in inclusive.most_common(top)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[1])
    parser.add_argument("--mode", choices=list(modes.MODES), default="production")
    parser.add_argument("--rate", type=int, default=100, help="MeterValues per second offered")
    parser.add_argument("--chargers", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--storm", type=int, metavar="N", help="profile S4's re-boot of N chargers instead")
    parser.add_argument("--idle", type=int, metavar="N", help="profile S1's idle fleet of N chargers instead")
    parser.add_argument("--ocpp", choices=["1.6", "2.0.1"], default="1.6", help="the version S3's chargers speak")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    runner.raise_file_limit()
    mode = modes.MODES[args.mode]()
    mode.env.update(item.split("=", 1) for item in args.env)
    mode.reset()
    if args.storm:
        spec = storm_spec(mode, args.storm, SIZES["issue"])
    elif args.idle:
        spec = {
            "kind": "fleet",
            "credentials": mode.fleet(args.idle),
            "profile": {"connectors": 2, "heartbeat_interval": 60},
            "steps": [{"chargers": args.idle, "settle": 5, "measure": args.seconds}],
            "ramp_per_s": 100,
            "boot_timeout": 240,
        }
    else:
        spec = {
            "kind": "rate_steps",
            "credentials": mode.fleet(args.chargers),
            "rates": [args.rate],
            "measure": args.seconds,
            "settle": 3,
            "p99_limit_ms": 10_000,
            "ocpp": args.ocpp,
            "id_tag": simulator.PER_CONNECTOR,  # as S3 sends it (bench.scenarios.gateway.s3)
        }
    kind = "-storm" if args.storm else "-idle" if args.idle else ""
    out = RESULTS_DIR / f"profile-{args.mode}{kind}.txt"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    spy: dict = {}

    def attach(server: runner.Server) -> None:
        # uvicorn's single worker is the server process itself (no reloader, no supervisor).
        command = ["py-spy", "record", "--pid", str(server.process.pid), "--gil", "--rate", "100"]
        command += ["--format", "raw", "--duration", str(args.seconds), "--output", str(out), "--nonblocking"]
        spy["process"] = subprocess.Popen([str(Path(sys.executable).parent / command[0]), *command[1:]])

    with mode.asgi_server() as server:
        if args.storm:
            hook = StormHook(server, on_restarted=attach)
        else:

            def hook(name: str, event: dict) -> None:
                if name == "measure_start":
                    attach(server)

        outcome = runner.run_generator(spec, server=server, on_event=hook, time_limit=900)
        spy["process"].wait(timeout=args.seconds + 60)
    window = outcome["windows"]["storm" if args.storm else next(iter(outcome["windows"]))]
    if args.storm:
        print(f"storm: {window['rebooted']} re-booted, 99 % after {window['seconds_to_99pct']} s")
        print(f"re-boot deciles (s): {window['reboot_deciles']}, server CPU {window['server_cpu']:.0%}")
    else:
        cpu_ms = results.cpu_ms_per_msg(window) or 0
        print(
            f"{args.mode}: {window['msgs_per_s']:.0f} msgs/s, server CPU {window['server_cpu']:.0%}, {cpu_ms:.2f} ms/msg"
        )
        if args.idle:
            print(f"server RSS {window.get('server_rss_mib')} MiB for {args.idle} chargers")
    print(f"{'inclusive':>9} {'self':>6}  function")
    for name, incl, self_share in summarize(out.read_text(), args.top):
        print(f"{incl:8.1f}% {self_share:5.1f}%  {name}")
    print(f"raw stacks: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
