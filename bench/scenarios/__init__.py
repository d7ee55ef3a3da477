"""Scenario runners. Each takes the Context and returns a scenario dict for the report:
{"title", "command", "rows": [results.row(...)], "note"?}."""

from dataclasses import dataclass, field

SIZES = {
    # Full size is what docs/benchmarks.md reports; quick checks the harness in minutes.
    "full": {
        "window": 10,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 50,
        "s1_steps": [1000, 5000, 10000],
        "s1_measure": 30,
        "s2_chargers": 2000,
        "s2_measure": 60,
        "s3_chargers": 500,
        "s3_rates": [100, 200, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000],
        "s3_measure": 10,
        "s4_chargers": 5000,
    },
    "quick": {
        "window": 3,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 20,
        "s1_steps": [200, 500],
        "s1_measure": 10,
        "s2_chargers": 200,
        "s2_measure": 15,
        "s3_chargers": 100,
        "s3_rates": [100, 300, 600, 1000],
        "s3_measure": 4,
        "s4_chargers": 300,
    },
}


@dataclass
class Context:
    repeats: int
    size: dict
    modes: list[str]
    scale: str
    baseline: dict | None = None  # medians of the S0 echo row at 100 connections
    prepared_modes: dict = field(default_factory=dict)
    extra_env: dict = field(default_factory=dict)

    def command(self, scenario: str) -> str:
        extra = " --quick" if self.scale == "quick" else ""
        return f"make bench BENCH_ARGS='{scenario} --repeats {self.repeats}{extra}'"
