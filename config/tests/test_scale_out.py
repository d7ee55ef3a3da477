"""Scale-out (docs/deployment.md): three web processes, each a separate OS process as on
separate hosts, behind a real HAProxy, on a private PostgreSQL and Redis. The scenarios run
in one subprocess (config.tests.faults) and print their figures, checked here and shown in
the test report."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config import fault_servers
from config.tests.faults.harness import FIGURES_PREFIX
from config.tests.faults.scale_drain import CHARGERS as DRAIN_CHARGERS
from config.tests.faults.scale_drain import DRAIN_WINDOW_SECONDS
from config.tests.faults.scale_pgbouncer import SERVER_CONNECTIONS

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]

SCENARIOS = ["balanced", "drain", "sentinel", "pgbouncer", "replica"]
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures(tmp_path_factory, request):
    reason = (
        fault_servers.available()
        or fault_servers.PrivateHaproxy.available()
        or fault_servers.PrivatePgbouncer.available()
    )
    if reason:
        pytest.skip(reason)
    log_dir = tmp_path_factory.mktemp("scale")
    result = subprocess.run(
        [sys.executable, "-m", "config.tests.faults", str(log_dir), ",".join(SCENARIOS), "--outage", "5"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=len(SCENARIOS) * 300,
    )
    found = {}
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for line in result.stdout.splitlines():
        if line.startswith(FIGURES_PREFIX):
            entry = json.loads(line[len(FIGURES_PREFIX) :])
            found[entry.pop("scenario")] = entry
            if reporter is not None:
                reporter.write_line(f"scale-out figures: {line[len(FIGURES_PREFIX) :]}")
    assert found, f"no figures (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    found["_stderr"] = result.stderr[-5000:]
    return found


def _scenario(figures, name):
    entry = figures.get(name)
    assert entry is not None, f"scenario {name} printed no figures:\n{figures['_stderr']}"
    assert "error" not in entry, f"scenario {name} failed: {entry['error']}\n{figures['_stderr']}"
    return entry


def test_chargers_spread_over_three_processes_and_commands_reach_them_through_any(figures):
    balanced = _scenario(figures, "balanced")
    assert sum(balanced["sockets_per_process"]) == 12
    assert all(count >= 2 for count in balanced["sockets_per_process"]), balanced["sockets_per_process"]
    # 12 through the API of each process in turn, 3 queued while the charger was away.
    assert balanced["commands_delivered_once"] == balanced["commands_queued"] == 15
    assert balanced["commands_lost"] == balanced["commands_duplicated"] == 0
    assert balanced["stations_connected_after"] == 12
    assert balanced["web_log_errors"] == 0


def test_two_sockets_of_one_identity_on_two_processes_resolve_to_the_newer_once(figures):
    balanced = _scenario(figures, "balanced")
    assert balanced["duplicate_older_close_codes"] == [4000]
    assert balanced["duplicate_newer_stays_open"] is True
    assert balanced["duplicate_newer_answered"] is True


def test_a_browser_on_one_process_sees_events_of_a_charger_on_another(figures):
    balanced = _scenario(figures, "balanced")
    assert balanced["live_subscribed"] is True
    assert balanced["live_event_across_processes"] is True


def test_sigterm_drains_charger_sockets_in_batches_over_the_window_and_loses_no_command(figures):
    drain = _scenario(figures, "drain")
    drained = drain["sockets_drained"]
    assert drained >= 5, drain["sockets_per_process_before"]
    assert drain["chargers_reconnected"] == drained
    # Spread over the window (batches of 3 every window/batches seconds), not one burst.
    assert drain["reconnects_spread_seconds"] >= DRAIN_WINDOW_SECONDS / 2
    assert drain["sigterm_exit_seconds"] is not None
    assert drain["sigterm_exit_seconds"] <= DRAIN_WINDOW_SECONDS + 10
    assert drain["seconds_until_all_answering_again"] <= 10
    assert sum(drain["sockets_per_process_after"]) == DRAIN_CHARGERS
    assert drain["stations_connected_after"] == DRAIN_CHARGERS
    assert drain["commands_queued"] >= 10
    assert drain["commands_delivered_once"] == drain["commands_queued"]
    assert drain["commands_lost"] == drain["commands_duplicated"] == 0
    assert drain["drain_logged"] is True
    assert drain["drained_process_log_errors"] == 0


def test_redis_sentinel_failover_under_traffic_keeps_chargers_answered_and_loses_nothing(figures):
    sentinel = _scenario(figures, "sentinel")
    assert sentinel["celery_task_before"] is True
    assert sentinel["replica_promoted"] is True
    assert sentinel["failover_seconds"] is not None
    # The gateway answers chargers from PostgreSQL; Redis only wakes sockets up.
    assert sentinel["charger_calls_during_failover"] >= 10
    assert sentinel["charger_calls_answered_during_failover"] == sentinel["charger_calls_during_failover"]
    assert sentinel["sockets_dropped"] == 0
    # 4 before, 3 while the primary was gone, 4 after the failover.
    assert sentinel["commands_delivered_once"] == sentinel["commands_queued"] == 11
    assert sentinel["commands_lost"] == sentinel["commands_duplicated"] == 0
    assert sentinel["live_event_after_failover"] is True
    assert sentinel["celery_task_after"] is True


def test_behind_pgbouncer_in_transaction_mode_chargers_commands_and_billing_work(figures):
    bouncer = _scenario(figures, "pgbouncer")
    assert bouncer["pool_mode"] == "transaction"
    assert bouncer["charger_calls"] >= 10
    assert bouncer["charger_calls_answered"] == bouncer["charger_calls"]
    assert bouncer["commands_delivered_once"] == bouncer["commands_queued"] == 10
    assert bouncer["commands_lost"] == bouncer["commands_duplicated"] == 0
    assert (bouncer["transaction_started"], bouncer["transaction_stopped"]) == ("Accepted", "Accepted")
    # 10 kWh at 0.50 + 19 % VAT, priced by the worker through PgBouncer too.
    assert bouncer["cdr_total"] == "5.9500"
    assert 0 < bouncer["server_connections"] <= SERVER_CONNECTIONS
    assert bouncer["web_log_errors"] == 0


def test_analytics_read_the_streaming_replica_and_everything_else_the_primary(figures):
    replica = _scenario(figures, "replica")
    before = replica["primary_stations_before"]
    assert replica["analytics_before"] == before
    # Replay paused: two stations added on the primary are in the list, not in the analytics.
    assert replica["primary_stations"] == replica["station_list_while_paused"] == before + 2
    assert replica["analytics_while_paused"] == before
    assert replica["analytics_caught_up_seconds"] is not None
    assert replica["web_log_errors"] == 0
