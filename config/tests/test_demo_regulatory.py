"""The regulatory exports produced from the demo's own history (the status history the demo
loader writes, with its faults and the link going down at the end), checked against
figures computed by hand from the demo's raw status rows. Without demo drivers the loader
writes no sessions, which keeps this lean; the session export is covered in
stations/tests/test_regulatory_reports.py."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from config.demo_history import load_history
from stations.demo import load_network
from stations.models import ChargingStation, StatusChange
from stations.operations.regulatory import formulas, reports

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 21, 12, tzinfo=UTC)
DAYS = 20  # the demo's shortest history with faults (it needs 14 days)


@pytest.fixture
def demo():
    load_network()
    load_history(days=DAYS, now=NOW)
    return list(ChargingStation.objects.filter(identity__startswith="VW-"))


def faults(station):
    """(connector, faulted_at, repaired_at) from the demo's raw status rows."""
    rows = StatusChange.objects.filter(station=station, connector_number__gt=0).order_by("received_at")
    faulted = {}
    found = []
    for row in rows:
        if row.status == "Faulted":
            faulted[row.connector_number] = row.received_at
        elif row.connector_number in faulted:
            found.append((row.connector_number, faulted.pop(row.connector_number), row.received_at))
    return found


def test_nevi_uk_and_cec_exports_from_the_demo_history(demo):
    faulted_station = next(station for station in sorted(demo, key=lambda s: s.identity) if faults(station))
    ((port, faulted_at, repaired_at),) = faults(faulted_station)
    ids = [station.pk for station in demo]

    nevi = reports.nevi_port_uptime(station_ids=ids, month=date(2026, 3, 1))

    # By hand: the days computed run from 1 March 00:00 to now (20.5 days = 29,520 min).
    # Every port is down 360 min on the first morning (the demo's status history starts at
    # 06:00 for stations commissioned long before) and 60 min at the end (the demo's link
    # goes down an hour before now); the faulted port adds its fault.
    fault_minutes = Decimal((repaired_at - faulted_at).total_seconds() / 60)
    row = next(r for r in nevi if (r["station_id"], r["port_id"]) == (faulted_station.identity, port))
    assert (row["total_minutes"], row["outage_minutes"], row["excluded_minutes"]) == (
        Decimal("29520.00"),
        (420 + fault_minutes).quantize(formulas.HUNDREDTH),
        Decimal("0.00"),
    )
    assert row["uptime_percent"] == formulas.percent((29520 - 420 - fault_minutes) / Decimal(29520) * 100)
    assert row["meets_threshold"] == (row["uptime_percent"] > 97)
    other_ports = [r for r in nevi if r["station_id"] == faulted_station.identity and r["port_id"] != port]
    assert all(r["outage_minutes"] == Decimal("420.00") for r in other_ports)

    # UK: a rapid point is down only while every connector is, so a fault on one port of
    # several costs nothing: every point loses the same 420 minutes, except that at a site
    # with opening hours the first morning (00:00–06:00) is outside them and excluded.
    uk = reports.uk_rapid_reliability(station_ids=ids, year=2026, now=NOW)
    rapid = [s for s in demo if max(c.max_power_kw for c in s.connectors.all()) >= formulas.UK_RAPID_KW]
    assert sorted(p["station_id"] for p in uk["charge_points"]) == sorted(s.identity for s in rapid)
    by_hand = {}
    for station in rapid:
        unexcused = 420 if station.site.is_open_24_7 else 60
        if station.connectors.count() == 1:
            unexcused += sum((end - start).total_seconds() / 60 for _port, start, end in faults(station))
        by_hand[station.identity] = Decimal(29520 - unexcused) / Decimal(29520) * 100
    assert {p["station_id"]: p["reliability_percent"] for p in uk["charge_points"]} == {
        identity: formulas.percent(value) for identity, value in by_hand.items()
    }
    network = sum(by_hand.values()) / len(by_hand)
    assert (uk["network_percent"], uk["meets_threshold"]) == (formulas.percent(network), network >= 99)

    # CEC: the fault's day in quarter hours; the down seconds add up to the fault's part of it.
    day_start = datetime.combine(faulted_at.date(), datetime.min.time(), tzinfo=UTC)
    day_end = day_start + timedelta(days=1)
    cec = [
        r
        for r in reports.cec_interval_rows(station_ids=[faulted_station.pk], start=day_start, end=day_end)
        if r["port_id"] == port
    ]
    down_seconds = (min(repaired_at, day_end) - faulted_at).total_seconds()
    assert len(cec) == 96
    assert sum(r["down_seconds"] for r in cec) == down_seconds
    assert sum(r["status"] == "down" for r in cec) == -(-down_seconds // 900)
