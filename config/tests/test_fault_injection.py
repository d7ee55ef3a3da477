"""Fault injection (docs/reliability.md): a private PostgreSQL and Redis, a real uvicorn and
real `ocpp` 1.6 chargers (and a real Celery worker where the scenario needs one), then a
server is stopped or killed mid-traffic. The scenarios run in one subprocess whose Django
settings point at the private servers; each prints its figures, checked here.

Outages last FAULT_OUTAGE_SECONDS (8 s by default, so that the whole module stays near two
minutes in CI; docs/reliability.md gives the figures of 30 s runs as well)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import fault_servers
from config.tests.faults.harness import FIGURES_PREFIX

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]

OUTAGE_SECONDS = float(os.environ.get("FAULT_OUTAGE_SECONDS", "8"))
SCENARIOS = ["redis"]
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures(tmp_path_factory, request):
    reason = fault_servers.available()
    if reason:
        pytest.skip(reason)
    log_dir = tmp_path_factory.mktemp("faults")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "config.tests.faults",
            str(log_dir),
            ",".join(SCENARIOS),
            "--outage",
            str(OUTAGE_SECONDS),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=len(SCENARIOS) * (OUTAGE_SECONDS + 240),
    )
    found = {}
    for line in result.stdout.splitlines():
        if line.startswith(FIGURES_PREFIX):
            entry = json.loads(line[len(FIGURES_PREFIX) :])
            found[entry.pop("scenario")] = entry
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for scenario, entry in found.items():
        if reporter is not None:
            reporter.write_line(f"fault figures {scenario}: {json.dumps(entry)}")
    assert found, f"no figures (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    found["_log_dir"] = log_dir
    found["_stderr"] = result.stderr[-5000:]
    return found


def _scenario(figures, name):
    entry = figures.get(name)
    assert entry is not None, f"scenario {name} printed no figures:\n{figures['_stderr']}"
    assert "error" not in entry, f"scenario {name} failed: {entry['error']}\n{figures['_stderr']}"
    return entry


def test_redis_outage_keeps_charger_calls_answered_and_every_command_delivered_once(figures):
    redis = _scenario(figures, "redis")
    assert redis["charger_calls_during_outage"] >= OUTAGE_SECONDS
    assert redis["charger_calls_answered_during_outage"] == redis["charger_calls_during_outage"]
    assert redis["sockets_dropped"] == 0
    assert redis["queue_calls_failed"] == 0
    assert redis["commands_lost"] == 0
    assert redis["commands_duplicated"] == 0
    assert redis["commands_delivered_once"] == redis["commands_queued"] == 8
    assert redis["disconnect_recorded_during_outage"] is True
    assert redis["stations_connected_after"] == 5
    assert redis["seconds_to_recover"] <= 5


def test_redis_outage_leaves_the_api_serving_and_readiness_reporting_it(figures):
    redis = _scenario(figures, "redis")
    assert redis["api_ok_during_outage"] == redis["api_requests_during_outage"] > 0
    assert redis["healthz_during_outage"] == 200
    assert redis["readyz_during_outage"] == 503
