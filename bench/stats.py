"""Small, dependency-free statistics for the harness: percentiles of round trips,
medians across repeated runs, and ratios to the baseline measured in the same run."""

import math
from collections.abc import Iterable, Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (what numpy calls "linear");
    None for an empty sample. `values` need not be sorted."""
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be within 0..100, got {pct}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float]) -> dict:
    """p50/p95/p99/max and the count of a list of round trips in milliseconds."""
    summary = {f"p{pct}": percentile(values_ms, pct) for pct in PERCENTILES}
    summary["max"] = max(values_ms) if values_ms else None
    summary["count"] = len(values_ms)
    return summary


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are not None; None when there are none."""
    present = sorted(value for value in values if value is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return float(present[middle])
    return (present[middle - 1] + present[middle]) / 2


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def median_of_runs(runs: list[dict], keys: Iterable[str]) -> dict:
    """For each dotted key (e.g. "latency.Heartbeat.p99"), the median across runs."""
    return {key: median(lookup(run, key) for run in runs) for key in keys}


def lookup(data: dict, dotted_key: str):
    """data["a"]["b"] for "a.b"; None where any part is missing."""
    current = data
    for part in dotted_key.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current
