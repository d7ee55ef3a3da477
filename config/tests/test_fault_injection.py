"""Fault injection (docs/reliability.md): a private PostgreSQL and Redis, a real uvicorn and
real `ocpp` 1.6 chargers (and a real Celery worker where the scenario needs one), then a
server is stopped or killed mid-traffic. The scenarios run in one subprocess whose Django
settings point at the private servers; each prints its figures, checked here.

Outages last FAULT_OUTAGE_SECONDS (8 s by default, so that the whole module stays within a
few minutes in CI; docs/reliability.md gives the figures of 30 s runs as well)."""

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
SCENARIOS = ["redis", "postgres", "worker", "web"]
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


def test_postgres_outage_fails_charger_calls_fast_and_recovers_within_five_seconds(figures):
    postgres = _scenario(figures, "postgres")
    assert postgres["charger_calls_during_outage"] >= OUTAGE_SECONDS / 2
    # Every CALL that stores something is answered, with a CALLERROR (nothing can be stored),
    # well inside 2 s. (A Heartbeat needs no database and is answered as usual.)
    assert postgres["charger_calls_refused_during_outage"] == postgres["charger_calls_during_outage"]
    assert postgres["slowest_answer_during_outage_seconds"] <= 2
    assert postgres["sockets_dropped"] == 0
    assert postgres["seconds_to_recover_gateway"] <= 5
    assert postgres["seconds_to_recover_api"] <= 5
    assert postgres["acknowledged_not_stored"] == 0
    assert postgres["commands_lost"] == postgres["commands_duplicated"] == 0
    assert postgres["commands_delivered_once"] == postgres["commands_queued"] == 3


def test_worker_killed_mid_pricing_leaves_every_session_priced_once_and_the_ledger_balanced(figures):
    worker = _scenario(figures, "worker")
    assert 0 < worker["priced_when_killed"] < worker["sessions"]
    assert worker["sessions_unpriced"] == 0
    assert worker["cdrs_duplicated"] == 0
    assert set(worker["ledger_sum"].values()) == {"0.0000"}
    # Worker start-up plus the 5 s visibility timeout of the test (600 s in production).
    assert worker["seconds_to_price_all_after_kill"] <= 90


def test_worker_killed_mid_invoicing_leaves_every_invoice_issued_and_emailed_exactly_once(figures):
    worker = _scenario(figures, "worker")
    assert 0 < worker["invoices_when_killed"] < worker["invoices"] == worker["sessions"]
    assert worker["invoice_lines_duplicated"] == 0
    assert worker["invoices_never_emailed"] == worker["invoices_emailed_twice"] == 0
    assert worker["emails_sent"] == worker["invoices"]
    assert worker["worker_log_errors"] == 0


def test_worker_stops_within_ten_seconds_of_sigterm_without_errors(figures):
    worker = _scenario(figures, "worker")
    assert worker["sigterm_exit_seconds"] is not None
    assert worker["sigterm_exit_seconds"] <= 10
    assert worker["sigterm_log_errors"] == 0


def test_web_process_exits_promptly_on_sigterm_and_chargers_return_after_kill_9(figures):
    web = _scenario(figures, "web")
    assert web["sigterm_exit_seconds"] is not None
    assert web["sigterm_exit_seconds"] <= 10
    assert web["seconds_to_reconnect_after_sigterm"] <= 5
    assert web["seconds_to_reconnect_after_kill"] <= 5
    assert web["stations_connected_after"] == 3
    assert web["commands_lost"] == web["commands_duplicated"] == 0
    assert web["commands_delivered_once"] == web["commands_queued"] == 3
