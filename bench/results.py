"""Rows of medians across repeated runs, and the writers: JSON with every run kept, and
Markdown tables (one per scenario) for docs/benchmarks.md."""

import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.stats import median, median_of_runs, ratio

RESULTS_DIR = Path(__file__).resolve().parent / "results"
METRICS = [
    "msgs_per_s",
    "failure_count",
    "connections",
    "connections_held",
    "server_cpu",
    "server_rss_mib",
    "server_peak_rss_mib",
    "generator_cpu",
    "postgres_cpu",
    "redis_cpu",
]
QUANTILES = ("p50", "p95", "p99", "max")


def row(label: str, runs: list[dict], *, actions: list[str], baseline: dict | None, mode: str = "", extra=None) -> dict:
    """One table row: the median of every metric across `runs`, and two ratios to the S0
    echo baseline measured in the same invocation (`baseline` is that row's medians):
    msgs/s over S0's msgs/s, and S0's server CPU per message over this row's. The second
    holds up when other work on the machine leaves the server less than a whole core.
    `extra` maps a column name to a function of one run; its median is reported too."""
    for run in runs:
        run["server_cpu_ms_per_msg"] = cpu_ms_per_msg(run)
    keys = [*METRICS, "server_cpu_ms_per_msg", "generator_lag_ms.max"] + [
        f"latency.{action}.{q}" for action in actions for q in QUANTILES
    ]
    medians = median_of_runs(runs, keys)
    extras = {name: median(function(run) for run in runs) for name, function in (extra or {}).items()}
    baseline = baseline or {}
    return {
        "label": label,
        "mode": mode,
        "actions": actions,
        "repeats": len(runs),
        "median": medians,
        "ratio_to_s0": ratio(medians["msgs_per_s"], baseline.get("msgs_per_s")),
        "cpu_ratio_to_s0": ratio(baseline.get("server_cpu_ms_per_msg"), medians["server_cpu_ms_per_msg"]),
        "p99_ratio_to_s0": {
            action: ratio(medians.get(f"latency.{action}.p99"), baseline.get("latency.echo.p99")) for action in actions
        },
        "extra": extras,
        "runs": runs,
    }


def cpu_ms_per_msg(run: dict) -> float | None:
    """Server CPU milliseconds spent per completed round trip in the window."""
    if not run.get("msgs_per_s") or run.get("server_cpu") is None:
        return None
    return run["server_cpu"] * 1000 / run["msgs_per_s"]


def machine_facts() -> dict:
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model,
        "cores": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
    }


def write(report: dict, *, name: str = "latest") -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(exist_ok=True)
    json_path = RESULTS_DIR / f"{name}.json"
    md_path = RESULTS_DIR / f"{name}.md"
    json_path.write_text(json.dumps(report, indent=1, default=str))
    md_path.write_text(markdown(report))
    return json_path, md_path


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(report: dict) -> str:
    facts = report["machine"]
    lines = [
        f"Measured {facts['when']} on {facts['cpu']}, {facts['cores']} cores, {facts['memory_gib']} GiB, "
        f"Linux {facts['kernel']}, Python {facts['python']}, commit {facts['commit']}. "
        f"Server pinned to core {report['cores']['server']}, load generator to core {report['cores']['generator']}; "
        f"medians of {report['repeats']} runs; S0 echo baseline (100 connections) in this run: "
        f"{fmt((report.get('baseline') or {}).get('msgs_per_s'), 0)} msgs/s at "
        f"{fmt((report.get('baseline') or {}).get('server_cpu_ms_per_msg'), 4)} server CPU ms per message. "
        "× S0 = msgs/s ÷ S0 msgs/s; × S0 CPU = S0 CPU per message ÷ this row's CPU per message; "
        "p99 × S0 = this p99 ÷ S0 echo p99. "
        "CPU columns are fractions of one core over the measurement window; "
        "gen lag max = the load generator's longest event-loop stall in it (its own share of any latency).",
        "",
    ]
    for scenario in report["scenarios"]:
        lines += [f"### {scenario['title']}", "", f"`{scenario['command']}`", ""]
        if scenario.get("load_average"):
            before, after = scenario["load_average"]
            lines += [f"1-minute load average on the machine: {before} before, {after} after.", ""]
        if scenario.get("note"):
            lines += [scenario["note"], ""]
        if not scenario["rows"]:
            continue
        extra_names = sorted({name for r in scenario["rows"] for name in r["extra"]})
        header = ["case", "mode", "round trip", "msgs/s", "× S0", "CPU ms/msg", "× S0 CPU", "p50 ms", "p95 ms"]
        header += ["p99 ms", "p99 × S0", "max ms", "failures", "held", "server CPU", "gen CPU", "gen CPU ms/msg"]
        header += ["gen lag max ms", "PG CPU", "Redis CPU"]
        header += ["server RSS MiB", *extra_names]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for r in scenario["rows"]:
            m = r["median"]
            for action in r["actions"] or [""]:
                latency = [m.get(f"latency.{action}.{q}") for q in QUANTILES]
                cells = [r["label"], r["mode"], action, fmt(m["msgs_per_s"], 0), fmt(r["ratio_to_s0"], 3)]
                cells += [fmt(m["server_cpu_ms_per_msg"], 3), fmt(r.get("cpu_ratio_to_s0"), 3)]
                p99_ratio = (r.get("p99_ratio_to_s0") or {}).get(action)
                cells += [fmt(v) for v in latency[:3]] + [fmt(p99_ratio, 2), fmt(latency[3])]
                cells += [fmt(m["failure_count"], 0), fmt(m["connections_held"], 0)]
                cells += [pct(m["server_cpu"]), pct(m["generator_cpu"]), fmt(generator_ms_per_msg(r["runs"]), 3)]
                cells += [fmt(m.get("generator_lag_ms.max")), pct(m["postgres_cpu"]), pct(m["redis_cpu"])]
                cells += [fmt(m["server_rss_mib"])] + [fmt(r["extra"].get(name), 2) for name in extra_names]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def generator_ms_per_msg(runs: list[dict]) -> float | None:
    """The load generator's own CPU per round trip: far below the server's shows that
    the generator was not what limited a run."""
    return median(
        run["generator_cpu"] * 1000 / run["msgs_per_s"]
        for run in runs
        if run.get("msgs_per_s") and run.get("generator_cpu") is not None
    )


def render(name: str) -> Path:
    """Rewrite bench/results/<name>.md from its JSON (e.g. after a change to the tables)."""
    report = json.loads((RESULTS_DIR / f"{name}.json").read_text())
    md_path = RESULTS_DIR / f"{name}.md"
    md_path.write_text(markdown(report))
    return md_path


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"
