"""The billing benchmark job: `python -m bench.billing_job SESSIONS MONTHS_AGO [WORKERS]`.

Builds SESSIONS completed sessions (with meter samples, valid tokens of bench drivers,
on the bench fleet's sites, each site with an energy tariff) in the month MONTHS_AGO
months back, then times billing's own services: pricing them all
(`sessions_price_bulk`) and issuing that month's invoices (`invoices_issue_for_month`).
With WORKERS > 1 the sessions are priced in that many processes, one per core, as
several Celery workers would price a backlog in `price_sessions` chunks.
Prints one JSON line. Run by bench.scenarios.later against a bench database only."""

import json
import os
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing import get_context

import django

# A process of its own (`python -m bench.billing_job`): Django is set up before the apps'
# modules below are imported.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402

from billing.models import Tariff  # noqa: E402
from billing.services.cdrs_bulk import sessions_price_bulk  # noqa: E402
from billing.services.invoices import invoices_issue_for_month  # noqa: E402
from billing.services.tariffs import tariff_create  # noqa: E402
from drivers.models import Driver, SessionToken, Token  # noqa: E402
from stations.models import (  # noqa: E402
    ChargingSession,
    Connector,
    MeterSample,
    Organisation,
    Site,
)

DRIVERS = 1000
BATCH = 5000


def month_start(months_ago: int) -> date:
    today = datetime.now(UTC).date().replace(day=1)
    year, month = today.year, today.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def tariffs_for_fleet(operator) -> None:

    priced = set(Tariff.objects.filter(site__operator=operator).values_list("site_id", flat=True))
    components = [{"type": "ENERGY", "price": "0.45", "vat": "19", "step_size": 1}]
    for site in Site.objects.filter(operator=operator).exclude(pk__in=priced):
        tariff_create(
            operator=operator,
            name="Bench AC",
            currency=operator.currency,
            valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            elements=[{"price_components": components}],
            site=site,
        )


def bench_tokens(operator) -> list:

    User = get_user_model()
    names = [f"bench-billing-{n:04d}" for n in range(DRIVERS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=name, email=f"{name}@example.com") for name in names if name not in existing]
    )
    users = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    with_driver = set(Driver.objects.filter(user_id__in=users.values()).values_list("user_id", flat=True))
    Driver.objects.bulk_create([Driver(user_id=uid, emsp=operator) for uid in users.values() if uid not in with_driver])
    drivers = list(Driver.objects.filter(user_id__in=users.values()).values_list("id", flat=True))
    uids = [f"BENCHB{n:05d}" for n in range(len(drivers))]
    Token.objects.bulk_create(
        [Token(uid=uid, driver_id=driver_id) for uid, driver_id in zip(uids, drivers, strict=True)],
        ignore_conflicts=True,
    )
    return list(Token.objects.filter(uid__in=uids))


def build_sessions(count: int, period_start: date, tokens: list, connectors: list) -> list[int]:

    start = datetime.combine(period_start, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    span = 25 * 86400  # well inside the month in every zone
    ids = []
    for offset in range(0, count, BATCH):
        sessions = []
        for n in range(offset, min(count, offset + BATCH)):
            connector = connectors[n % len(connectors)]
            token = tokens[n % len(tokens)]
            started_at = start + timedelta(seconds=(n * 7919) % span, microseconds=n)
            minutes = random.randint(20, 120)
            energy_wh = random.randint(3_000, 45_000)
            sessions.append(
                ChargingSession(
                    station_id=connector.station_id,
                    connector=connector,
                    connector_number=connector.connector_id,
                    id_tag=token.uid,
                    started_at=started_at,
                    meter_start_wh=1000,
                    stopped_at=started_at + timedelta(minutes=minutes),
                    stop_received_at=started_at + timedelta(minutes=minutes),
                    meter_stop_wh=1000 + energy_wh,
                    last_meter_wh=1000 + energy_wh,
                    energy_wh=energy_wh,
                    status=ChargingSession.Status.COMPLETED,
                    stop_reason="Local",
                )
            )
        created = ChargingSession.objects.bulk_create(sessions)
        SessionToken.objects.bulk_create(
            SessionToken(session=session, token=tokens[n % len(tokens)])
            for n, session in enumerate(created, start=offset)
        )
        MeterSample.objects.bulk_create(
            [
                MeterSample(
                    session=session,
                    station_id=session.station_id,
                    connector_number=session.connector_number,
                    sampled_at=at,
                    unit="Wh",
                    value=Decimal(value),
                    normalized_value=Decimal(value),
                )
                for session in created
                for at, value in ((session.started_at, 1000), (session.stopped_at, session.meter_stop_wh))
            ]
        )
        ids += [session.pk for session in created]
    return ids


def cpu_seconds() -> float:
    """This process's CPU and that of its finished pricing processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def price_in_processes(session_ids: list[int], workers: int) -> int:

    if workers == 1:
        return sessions_price_bulk(session_ids=session_ids)

    # A forked child must open its own connections: close them, and the pool they come from.
    for connection in connections.all(initialized_only=True):
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    share = -(-len(session_ids) // workers)
    parts = [session_ids[start : start + share] for start in range(0, len(session_ids), share)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        return sum(pool.map(price_part, parts, range(len(parts))))


def price_part(session_ids: list[int], index: int) -> int:

    cores = sorted(os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
    os.sched_setaffinity(0, {cores[index % len(cores)]})
    return sessions_price_bulk(session_ids=session_ids)


def main(count: int, months_ago: int, workers: int = 1) -> dict:

    operator = Organisation.objects.get(name="Bench Operator")
    tariffs_for_fleet(operator)
    tokens = bench_tokens(operator)
    connectors = list(Connector.objects.filter(station__identity__startswith="BENCH-"))
    period_start = month_start(months_ago)
    built = time.monotonic()
    session_ids = build_sessions(count, period_start, tokens, connectors)
    started = time.monotonic()
    cpu_before = cpu_seconds()
    priced = price_in_processes(session_ids, workers)
    priced_at = time.monotonic()
    invoices = invoices_issue_for_month(period_start=period_start, now=datetime.now(UTC))
    done = time.monotonic()
    return {
        "sessions": len(session_ids),
        "build_seconds": started - built,
        "priced": priced,
        "price_seconds": priced_at - started,
        "invoices": len(invoices),
        "invoice_seconds": done - priced_at,
        "total_seconds": done - started,
        "job_cpu_seconds": cpu_seconds() - cpu_before,
        "workers": workers,
        "period_start": period_start.isoformat(),
    }


if __name__ == "__main__":
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), workers)), flush=True)
