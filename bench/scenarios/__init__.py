"""Scenario runners. Each takes the Context and returns a scenario dict for the report:
{"title", "command", "rows": [results.row(...)], "note"?}."""

from dataclasses import dataclass, field

SIZES = {
    # "issue": the sizes issue 8 names. "box": scaled to what finishes in bounded time on
    # the shared 2-core machine (docs/benchmarks.md says why); the default. "quick": checks
    # the harness in minutes, not the system.
    "issue": {
        "window": 10,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 50,
        "s1_steps": [1000, 5000, 10000],
        "s1_measure": 30,
        "s1_ramp_per_s": 50,
        "boot_timeout": 240,
        "s2_chargers": 2000,
        "s2_measure": 60,
        "s3_chargers": 500,
        "s3_rates": [100, 200, 400, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000],
        "s3_measure": 10,
        "s4_chargers": 5000,
        "billing_sessions": 100_000,
        "api_stations": 10_000,
        "api_connections": 4,
    },
    "box": {
        "window": 8,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 50,
        "s1_steps": [500, 1000, 2000],
        "s1_measure": 20,
        "s1_ramp_per_s": 100,
        "boot_timeout": 90,
        "s2_chargers": 500,
        "s2_measure": 40,
        "s3_chargers": 200,
        "s3_rates": [10, 20, 40, 80, 120, 160, 240, 320, 480],
        "s3_measure": 8,
        "s4_chargers": 1000,
        "billing_sessions": 20_000,
        "api_stations": 10_000,
        "api_connections": 4,
    },
    # "shared": the box sizes where a machine shared with other work gives the server a
    # fraction of its core: S3 steps low enough to be kept up, S1 at up to 1,000 chargers.
    "shared": {
        "window": 8,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 20,
        "s1_steps": [500, 1000],
        "s1_measure": 20,
        "s1_ramp_per_s": 50,
        "boot_timeout": 180,
        "s2_chargers": 200,
        "s2_measure": 30,
        "s3_chargers": 100,
        "s3_rates": [10, 20, 40],
        "s3_measure": 8,
        "s4_chargers": 300,
        "billing_sessions": 2_000,
        "api_stations": 1_000,
        "api_connections": 2,
    },
    "quick": {
        "window": 3,
        "s0_connections": [1, 100, 1000],
        "asgi_connections": 20,
        "s1_steps": [200, 500],
        "s1_measure": 10,
        "s1_ramp_per_s": 100,
        "boot_timeout": 60,
        "s2_chargers": 200,
        "s2_measure": 15,
        "s3_chargers": 100,
        "s3_rates": [100, 300, 600, 1000],
        "s3_measure": 4,
        "s4_chargers": 300,
        "billing_sessions": 2_000,
        "api_stations": 1_000,
        "api_connections": 2,
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
    # The OCPP version S0's bare central system and S3's chargers speak: "1.6" or "2.0.1".
    ocpp: str = "1.6"
    bare: dict | None = None  # medians of S0's bare `ocpp` package row at 100 connections

    def command(self, scenario: str) -> str:
        extra = f" --size {self.scale}" if self.scale != "box" else ""
        extra += f" --ocpp {self.ocpp}" if self.ocpp != "1.6" else ""
        return f"make bench BENCH_ARGS='{scenario} --repeats {self.repeats}{extra}'"
