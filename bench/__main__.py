"""`python -m bench [SCENARIO ...] [--repeats N] [--quick] [--modes embedded,production] [--ocpp 2.0.1]`

Runs the chosen scenarios (default: all), each repeated N times, the server pinned to
one core and the load generator to the other, traffic on 127.0.0.1 only. An S0 echo
baseline is always measured first so every figure has a same-run ratio. Writes
bench/results/<name>.json (every run) and .md (tables of medians)."""

import argparse
import os
import sys
import time

from bench import results, runner
from bench.scenarios import SIZES, Context, baseline, gateway, later

SCENARIOS = {
    "s0": baseline.s0,
    "asgi": baseline.asgi,
    "s1": gateway.s1,
    "s2": gateway.s2,
    "s3": gateway.s3,
    "s4": gateway.s4,
    "billing": later.billing,
    "api": later.api,
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default="box",
        help="box: scaled to this 2-core machine (default); shared: smaller, for a machine shared with other work; issue: the sizes issue 8 names; quick: harness check",
    )
    parser.add_argument("--quick", action="store_true", help="same as --size quick")
    parser.add_argument(
        "--s4-chargers", type=int, metavar="N", help="S4's fleet instead of the size's (the issue's 10,000 row)"
    )
    parser.add_argument("--render", metavar="NAME", help="only rewrite bench/results/NAME.md from NAME.json")
    parser.add_argument("--modes", default="embedded,production", help="gateway modes to measure")
    parser.add_argument(
        "--ocpp",
        choices=["1.6", "2.0.1"],
        default="1.6",
        help="the version S0's bare ocpp central system and S3's chargers speak: 2.0.1 measures TransactionEvent(Updated)",
    )
    parser.add_argument("--name", default="latest", help="results file name under bench/results/")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the gateway processes, e.g. OCPP_OUTBOX_POLL_SECONDS=300 (before/after runs)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.render:
        print(results.render(args.render))
        return 0
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown or args.repeats < 1:
        sys.exit(
            f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}" if unknown else "--repeats must be >= 1"
        )
    chosen = args.scenarios or list(SCENARIOS)
    scale = "quick" if args.quick else args.size
    extra_env = dict(item.split("=", 1) for item in args.env)
    size = {**SIZES[scale], **({"s4_chargers": args.s4_chargers} if args.s4_chargers else {})}
    ctx = Context(
        repeats=args.repeats,
        size=size,
        modes=args.modes.split(","),
        scale=scale,
        extra_env=extra_env,
        ocpp=args.ocpp,
    )
    open_files = runner.raise_file_limit()
    report = {
        "machine": results.machine_facts(),
        "cores": {"server": runner.SERVER_CORE, "generator": runner.GENERATOR_CORE},
        "repeats": args.repeats,
        "scale": scale,
        "open_files_limit": open_files,
        "extra_env": extra_env,
        "ocpp": args.ocpp,
        "scenarios": [],
    }
    started = time.monotonic()
    if "s0" not in chosen:
        log("baseline: S0 echo, 100 connections")
        ctx.baseline = results.row("", baseline.echo_baseline(ctx), actions=["echo"], baseline=None)["median"]
    for name in chosen:
        log(f"scenario {name}")
        load_before = os.getloadavg()[0]
        try:
            report["scenarios"].append({"name": name, **SCENARIOS[name](ctx)})
            report["scenarios"][-1]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        except Exception as error:  # one failing scenario must not lose the others' numbers
            log(f"scenario {name} failed: {type(error).__name__}: {error}")
            report["scenarios"].append(
                {"name": name, "title": name, "command": ctx.command(name), "rows": [], "note": f"FAILED: {error}"}
            )
        report["baseline"] = ctx.baseline
        json_path, md_path = results.write(report, name=args.name)
    log(f"done in {time.monotonic() - started:.0f} s: {json_path} {md_path}")
    return 0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
