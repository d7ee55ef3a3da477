"""The load management benchmark: `python -m bench.load_management_job SITES SESSIONS [DB_SITES]`.

1. The allocator alone: SITES generated sites (a grid connection with a kW limit, two
   feeders in A per phase, a station node per session; AC 1- and 3-phase and DC sessions
   with random draws and priorities) of SESSIONS sessions each; the time of one
   allocation per site (median, p99, max) and in all.
2. The control loop against the database: DB_SITES (default SITES) sites built as rows (policy,
   tree, stations, connectors, active sessions; in bulk, one transaction), then one round
   per site (`site_rebalance`: read, allocate, store, queue each session's limit); the
   time per round (median, p99), rounds and profiles (command requests) queued per second,
   and this process's CPU time over the wall clock. Run it against a bench database
   only: it writes DB_SITES × SESSIONS stations and sessions.
Prints one JSON line, with the 1-minute load average before and after and same-run ratios
(the allocator's share of a round; CPU per wall second), which hold on a loaded machine
better than the absolute figures do."""

import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import django

# A process of its own: Django is set up before the apps' modules below are imported.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402

from stations.load_management import allocator, services  # noqa: E402
from stations.models import (  # noqa: E402
    ChargingSession,
    ChargingStation,
    CommandRequest,
    Connector,
    LoadNode,
    Organisation,
    Site,
    SiteLoadPolicy,
)

# Rows per INSERT when building the sites.
BATCH = 2_000


def generated_site(rng: random.Random, sessions: int) -> tuple[list, list]:
    nodes = [
        allocator.Node("grid", max_power_w=rng.choice([150_000, 400_000, 800_000])),
        allocator.Node("feeder-a", parent="grid", max_current_a=rng.choice([63, 100, 160])),
        allocator.Node("feeder-b", parent="grid", max_current_a=rng.choice([63, 100, 160])),
    ]
    items = []
    for index in range(sessions):
        feeder = "feeder-a" if index % 2 else "feeder-b"
        nodes.append(allocator.Node(f"station-{index}", parent=feeder, max_current_a=32))
        kind = rng.random()
        if kind < 0.15:
            facts = {"minimum": 5_000.0, "maximum": 150_000.0, "dc": True}
            measured = rng.uniform(0, 150_000)
        else:
            facts = {"minimum": 6.0, "maximum": 32.0, "phases": (rng.randrange(3),) if kind < 0.3 else (0, 1, 2)}
            measured = rng.uniform(0, 32)
        items.append(
            allocator.Session(
                id=str(index),
                node=f"station-{index}",
                priority=rng.choice([0, 0, 0, 1]),
                started=float(index),
                measured=measured,
                previous=rng.choice([None, 16.0, 0.0]),
                **facts,
            )
        )
    return nodes, items


def allocator_timing(sites: int, sessions: int) -> dict:
    rng = random.Random(1)
    inputs = [generated_site(rng, sessions) for _ in range(sites)]
    times = []
    started = time.perf_counter()
    for nodes, items in inputs:
        one = time.perf_counter()
        allocator.allocate(nodes, items)
        times.append((time.perf_counter() - one) * 1000)
    total = time.perf_counter() - started
    times.sort()
    return {
        "allocate_ms_p50": round(statistics.median(times), 3),
        "allocate_ms_p99": round(times[int(len(times) * 0.99) - 1], 3),
        "allocate_ms_max": round(times[-1], 3),
        "allocate_total_s": round(total, 3),
    }


def build_sites(sites: int, sessions: int) -> list[int]:
    """SITES sites of SESSIONS active sessions each, as rows, in bulk: one INSERT per model
    and batch rather than one per row (per-site creates took minutes at 1,000 sites)."""
    operator = Organisation.objects.create(name=f"Bench load {time.time_ns()}", country="DE", is_operator=True)
    now = datetime.now(UTC)
    with transaction.atomic():
        site_rows = Site.objects.bulk_create(
            [
                Site(
                    name=f"Bench load site {site_index}",
                    operator=operator,
                    address="Bench 1",
                    city="Berlin",
                    postal_code="10115",
                    country="DE",
                    latitude=Decimal("52.5"),
                    longitude=Decimal("13.4"),
                    time_zone="Europe/Berlin",
                )
                for site_index in range(sites)
            ],
            batch_size=BATCH,
        )
        SiteLoadPolicy.objects.bulk_create([SiteLoadPolicy(site=site) for site in site_rows], batch_size=BATCH)
        LoadNode.objects.bulk_create(
            [LoadNode(site=site, name="Grid", kind="grid", max_current_a=Decimal(20 * sessions)) for site in site_rows],
            batch_size=BATCH,
        )
        stations = ChargingStation.objects.bulk_create(
            [
                ChargingStation(identity=f"BLM-{operator.pk}-{site_index}-{n}", site=site)
                for site_index, site in enumerate(site_rows)
                for n in range(sessions)
            ],
            batch_size=BATCH,
        )
        connectors = Connector.objects.bulk_create(
            [
                Connector(
                    station=station,
                    connector_id=1,
                    standard=Connector.Standard.TYPE_2,
                    power_type=Connector.PowerType.AC_3_PHASE,
                    max_power_kw=Decimal("22"),
                )
                for station in stations
            ],
            batch_size=BATCH,
        )
        ChargingSession.objects.bulk_create(
            [
                ChargingSession(
                    station=station,
                    connector=connector,
                    connector_number=1,
                    id_tag=f"BENCH{index % sessions}",
                    started_at=now - timedelta(minutes=index % sessions),
                    meter_start_wh=0,
                )
                for index, (station, connector) in enumerate(zip(stations, connectors, strict=True))
            ],
            batch_size=BATCH,
        )
    return [site.pk for site in site_rows]


def control_loop_timing(site_ids: list[int]) -> dict:
    before = CommandRequest.objects.count()
    times = []
    cpu_started, started = time.process_time(), time.perf_counter()
    for site_id in site_ids:
        one = time.perf_counter()
        services.site_rebalance(site_id=site_id, now=datetime.now(UTC))
        times.append((time.perf_counter() - one) * 1000)
        if len(times) % 100 == 0:
            print(f"{len(times)} rounds in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    profiles = CommandRequest.objects.count() - before
    times.sort()
    return {
        "rounds": len(site_ids),
        "round_total_s": round(elapsed, 2),
        "round_ms_p50": round(statistics.median(times), 1),
        "round_ms_p99": round(times[max(int(len(times) * 0.99) - 1, 0)], 1),
        "rounds_per_s": round(len(site_ids) / elapsed, 1),
        "profiles": profiles,
        "profiles_per_s": round(profiles / elapsed, 1),
        # This process's CPU over the wall clock of the rounds: on a loaded machine the rest
        # is waiting (for PostgreSQL, Redis and the CPU), which these ratios make visible.
        "round_cpu_s": round(cpu, 2),
        "cpu_per_wall": round(cpu / elapsed, 2),
    }


def main() -> None:
    sites, sessions = int(sys.argv[1]), int(sys.argv[2])
    db_sites = int(sys.argv[3]) if len(sys.argv) > 3 else sites
    result = {"sites": sites, "sessions_per_site": sessions, "load_before": os.getloadavg()[0]}
    result.update(allocator_timing(sites, sessions))
    result["db_sites"] = db_sites
    build_started = time.perf_counter()
    site_ids = build_sites(db_sites, sessions)
    result["build_s"] = round(time.perf_counter() - build_started, 1)
    result.update(control_loop_timing(site_ids))
    # Same-run ratios hold on a loaded machine better than absolute figures do.
    result["allocate_share_of_round_p50"] = round(result["allocate_ms_p50"] / result["round_ms_p50"], 4)
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
