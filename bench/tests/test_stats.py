"""The numbers the harness reports: percentiles, medians across runs, ratios, rows."""

import pytest

from bench import results
from bench.scenarios.gateway import sustained_ceiling
from bench.stats import latency_summary, lookup, median, median_of_runs, percentile, ratio


def test_percentile_interpolates_between_closest_ranks():
    values = [15, 20, 35, 40, 50]
    assert percentile(values, 0) == 15
    assert percentile(values, 50) == 35
    assert percentile(values, 100) == 50
    assert percentile(values, 40) == pytest.approx(29.0)  # rank 1.6: 20 + 0.6 * 15
    assert percentile(values, 95) == pytest.approx(48.0)  # rank 3.8: 40 + 0.8 * 10


def test_percentile_does_not_need_sorted_input_and_is_none_for_nothing():
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([], 99) is None


def test_percentile_outside_0_to_100_is_an_error():
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1, 2], 101)


def test_latency_summary_reports_p50_p95_p99_max_and_count():
    summary = latency_summary([float(v) for v in range(1, 101)])
    assert summary["p50"] == pytest.approx(50.5)
    assert summary["p99"] == pytest.approx(99.01)
    assert summary["max"] == 100.0
    assert summary["count"] == 100
    assert latency_summary([])["p99"] is None


def test_median_skips_missing_values_and_averages_an_even_count():
    assert median([3, None, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([None, None]) is None


def test_ratio_is_none_without_a_usable_baseline():
    assert ratio(50, 200) == 0.25
    assert ratio(50, 0) is None
    assert ratio(None, 10) is None


def test_median_of_runs_reads_dotted_keys_and_tolerates_missing_parts():
    runs = [{"latency": {"Heartbeat": {"p99": v}}} for v in (9.0, 3.0, 5.0)] + [{"latency": {}}]
    assert median_of_runs(runs, ["latency.Heartbeat.p99"]) == {"latency.Heartbeat.p99": 5.0}
    assert lookup({"a": {"b": 1}}, "a.c") is None


def test_row_gives_medians_and_both_ratios_to_the_same_run_baseline():
    runs = [
        {"msgs_per_s": 1000.0, "server_cpu": 1.0, "latency": {"MeterValues": {"p99": 40.0}}},
        {"msgs_per_s": 1200.0, "server_cpu": 0.6, "latency": {"MeterValues": {"p99": 20.0}}},
        {"msgs_per_s": 800.0, "server_cpu": 0.4, "latency": {"MeterValues": {"p99": 30.0}}},
    ]
    baseline = {"msgs_per_s": 10000.0, "server_cpu_ms_per_msg": 0.1}
    row = results.row("case", runs, actions=["MeterValues"], baseline=baseline, extra={"double": lambda r: 2})
    assert row["median"]["msgs_per_s"] == 1000.0
    assert row["median"]["latency.MeterValues.p99"] == 30.0
    assert row["median"]["server_cpu_ms_per_msg"] == pytest.approx(0.5)  # of 1.0, 0.5, 0.5
    assert row["ratio_to_s0"] == pytest.approx(0.1)
    assert row["cpu_ratio_to_s0"] == pytest.approx(0.2)
    assert row["extra"] == {"double": 2}
    assert "| case |" in results.markdown(
        {
            "machine": results.machine_facts(),
            "cores": {"server": "0", "generator": "1"},
            "repeats": 3,
            "baseline": baseline,
            "scenarios": [{"title": "t", "command": "c", "rows": [row]}],
        }
    )


def test_ceiling_is_the_highest_step_that_kept_up_without_errors_under_one_second():
    def window(offered, achieved, p99, failures=0):
        latency = {"MeterValues": {"p99": p99}}
        return {"offered_per_s": offered, "msgs_per_s": achieved, "latency": latency, "failure_count": failures}

    windows = {
        "a": window(100, 99, 20),
        "b": window(400, 398, 300),
        "c": window(800, 600, 700),  # fell behind
        "d": window(1000, 990, 1500),  # too slow
        "e": window(1200, 1190, 900, failures=3),
    }
    assert sustained_ceiling(windows) == 398
    assert sustained_ceiling({"d": windows["d"]}) is None
