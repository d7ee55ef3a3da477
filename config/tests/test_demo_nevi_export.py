"""The NEVI quarterly data submittal (23 CFR 680.112(a)) produced from the demo's own
history, with its drivers' sessions, checked against figures the test computes from the
raw rows: sessions, meter samples, tokens and status changes. The demo's history here
runs from 21 March 06:00 to 10 April 12:00, so the first quarter holds its first eleven
days and the second quarter runs to now."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Max

from config.demo_history import load_history
from drivers.demo import load_drivers
from drivers.models import SessionToken, Token
from stations.demo import load_network
from stations.models import ChargingSession, ChargingStation, MeterSample, StatusChange
from stations.operations.regulatory import formulas, quarterly

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
DAYS = 20
HISTORY_DAY = datetime(2026, 3, 21, tzinfo=UTC)  # the first day of the demo's history
Q1 = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


@pytest.fixture
def demo():
    load_network()
    load_drivers()
    load_history(days=DAYS, now=NOW)
    return list(ChargingStation.objects.filter(identity__startswith="VW-").select_related("site").order_by("identity"))


def faults(station):
    """(connector, faulted_at, repaired_at) from the demo's raw status rows."""
    found, faulted = [], {}
    for row in StatusChange.objects.filter(station=station, connector_number__gt=0).order_by("received_at"):
        if row.status == "Faulted":
            faulted[row.connector_number] = row.received_at
        elif row.connector_number in faulted:
            found.append((row.connector_number, faulted.pop(row.connector_number), row.received_at))
    return found


def minutes(start, end):
    return Decimal((end - start).total_seconds()) / 60


def test_nevi_quarterly_export_from_the_demo_history(demo):
    # A port at a site open around the clock (no closed-hours exclusions) that faulted.
    station, port, faulted_at, repaired_at = next(
        (station, *fault) for station in demo if station.site.is_open_24_7 for fault in faults(station)
    )
    export = quarterly.nevi_quarterly_export(station_ids=[s.pk for s in demo], year=2026, quarter=1, now=NOW)

    # (1)–(6) Sessions: every session started in the quarter, none of April's.
    in_quarter = ChargingSession.objects.filter(station__in=demo, started_at__gte=Q1[0], started_at__lt=Q1[1])
    assert in_quarter.exists() and ChargingSession.objects.filter(started_at__gte=Q1[1]).exists()
    assert sorted(row["session_id"] for row in export["sessions"]) == sorted(in_quarter.values_list("pk", flat=True))
    assert {(row["station_id"], row["port_id"]) for row in export["sessions"]} == set(
        in_quarter.values_list("station__identity", "connector_number")
    )
    mine = [r for r in export["sessions"] if (r["station_id"], r["port_id"]) == (station.identity, port)]
    raw = in_quarter.filter(station=station, connector_number=port)
    assert len(mine) == raw.count() > 0
    assert sum(r["energy_kwh"] for r in mine) == sum(Decimal(s.energy_wh) for s in raw) / 1000
    peaks = dict(
        MeterSample.objects.filter(session__in=raw, measurand="Power.Active.Import")
        .values("session_id")
        .annotate(peak=Max("value"))
        .values_list("session_id", "peak")
    )
    assert {r["session_id"]: r["peak_power_kw"] for r in mine} == {pk: peak / 1000 for pk, peak in peaks.items()}
    kinds = dict(SessionToken.objects.filter(session__in=raw).values_list("session_id", "token__kind"))
    assert {r["session_id"]: r["payment_method"] for r in mine} == {
        pk: Token.Kind(kind).label for pk, kind in kinds.items()
    }
    assert all(r["successful"] and r["error_codes"] == "" for r in mine)  # the demo's sessions all delivered

    # (8) Outages of the port in the quarter: the first morning before the charger first
    # reported (in service, so down), and its fault as far as it lies in the quarter.
    expected = [(HISTORY_DAY, HISTORY_DAY + timedelta(hours=6), "no_status_reported")]
    if faulted_at < Q1[1]:
        expected.append((faulted_at, min(repaired_at, Q1[1]), "Faulted GroundFailure"))
    outages = [r for r in export["outages"] if (r["station_id"], r["port_id"]) == (station.identity, port)]
    assert [(r["outage_start"], r["outage_end"], r["outage_minutes"], r["cause"]) for r in outages] == [
        (start.isoformat(), end.isoformat(), minutes(start, end).quantize(formulas.HUNDREDTH), cause)
        for start, end, cause in expected
    ]
    assert all(r["excluded_minutes"] == 0 and not r["exempted"] for r in outages)

    # (7) Uptime, T_outage and T_excluded for each month of the quarter: only March has
    # history. In service from 21 March: 11 days = 15,840 minutes.
    assert {row["month"] for row in export["uptime"]} == {"2026-03"}
    (march,) = [r for r in export["uptime"] if (r["station_id"], r["port_id"]) == (station.identity, port)]
    outage_minutes = sum(minutes(start, end) for start, end, _cause in expected)
    assert (march["total_minutes"], march["outage_minutes"], march["excluded_minutes"]) == (
        Decimal("15840.00"),
        outage_minutes.quantize(formulas.HUNDREDTH),
        Decimal("0.00"),
    )
    assert march["uptime_percent"] == formulas.percent((15840 - outage_minutes) / 15840 * 100)


def test_nevi_quarter_in_progress_runs_to_now_and_ends_with_the_link_down(demo):
    station = next(station for station in demo if station.site.is_open_24_7 and not faults(station))
    export = quarterly.nevi_quarterly_export(station_ids=[station.pk], year=2026, quarter=2, now=NOW)

    # The demo's link went down an hour before now: one outage per port, cut at now.
    outages = [
        (r["port_id"], r["outage_start"], r["outage_end"], r["outage_minutes"], r["cause"]) for r in export["outages"]
    ]
    start = (NOW - timedelta(hours=1)).isoformat()
    ports = sorted(station.connectors.values_list("connector_id", flat=True))
    assert outages == [(port, start, NOW.isoformat(), Decimal("60.00"), "offline") for port in ports]
    assert {row["month"] for row in export["uptime"]} == {"2026-04"}
    started = ChargingSession.objects.filter(station=station, started_at__gte=datetime(2026, 4, 1, tzinfo=UTC))
    assert len(export["sessions"]) == started.count()
