"""Regulatory reports from status history and sessions, against hand-computed figures:
NEVI per-port uptime with exclusions and evidence, NEVI session data, UK rapid network
reliability, CEC 15-minute intervals; and excluded down time in the uptime rows."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from drivers.tests.factories import TokenFactory
from stations.models import ChargingSession, ConnectorUptimeDay, MeterSample, OutageExclusion, StatusChange, WorkOrder
from stations.operations.regulatory import reports
from stations.operations.services import uptime
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory
from stations.tests.ops_factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def status(connector, value, when, number=None, error_code="NoError"):
    StatusChange.objects.create(
        station=connector.station,
        connector_number=connector.connector_id if number is None else number,
        status=value,
        error_code=error_code,
        received_at=when,
    )


def exclude(connector, cause, starts_at, ends_at, evidence="Utility notice 4711"):
    return uptime.outage_exclusion_record(
        station=connector.station,
        connector_number=0,
        cause=cause,
        starts_at=starts_at,
        ends_at=ends_at,
        evidence=evidence,
        user=None,
        now=MARCH + timedelta(days=40),
    )


@pytest.fixture
def port():
    connector = ConnectorFactory(station__commissioned_on=date(2026, 3, 1))
    status(connector, "Available", MARCH)
    return connector


def test_offline_time_covered_by_a_utility_exclusion_is_excluded_not_outage(port):
    day = MARCH + timedelta(days=4)
    status(port, "Offline", day + 10 * HOUR, number=0)
    status(port, "Online", day + 14 * HOUR, number=0)
    exclude(port, OutageExclusion.Cause.UTILITY, day + 9 * HOUR, day + 13 * HOUR)
    row = ConnectorUptimeDay.objects.get(station=port.station, day=day.date())
    assert (row.down_seconds, row.excluded_seconds, row.excluded_by_cause) == (
        3600,
        3 * 3600,
        {"utility_outage": 10800},
    )


def test_an_exclusion_without_evidence_is_refused(port):
    with pytest.raises(Exception, match="evidence"):
        exclude(port, OutageExclusion.Cause.VANDALISM, MARCH, MARCH + HOUR, evidence="  ")


def test_nevi_port_uptime_over_the_months_in_service(port):
    status(port, "Faulted", MARCH + timedelta(days=3, hours=8), error_code="GroundFailure")
    status(port, "Available", MARCH + timedelta(days=3, hours=10))
    outage = MARCH + timedelta(days=10)
    status(port, "Offline", outage + 6 * HOUR, number=0)
    status(port, "Online", outage + 9 * HOUR, number=0)
    WorkOrderFactory(
        station=port.station,
        kind=WorkOrder.Kind.PREVENTIVE,
        status=WorkOrder.Status.DONE,
        started_at=MARCH + timedelta(days=20, hours=7),
        completed_at=MARCH + timedelta(days=20, hours=8),
    )
    status(port, "Unavailable", MARCH + timedelta(days=20, hours=7))
    status(port, "Available", MARCH + timedelta(days=20, hours=8))
    for offset in range(31):
        uptime.uptime_compute_day(day=date(2026, 3, 1) + timedelta(days=offset), now=MARCH + timedelta(days=40))
    exclude(port, OutageExclusion.Cause.UTILITY, outage + 6 * HOUR, outage + 9 * HOUR)

    (row,) = reports.nevi_port_uptime(station_ids=[port.station_id], month=date(2026, 3, 1))

    # In service 31 days = 44,640 min; outage 120 (fault) + 180 (utility) + 60 (scheduled
    # maintenance) = 360 min, of which 240 excluded: (44,640 − 120) / 44,640 = 99.7312 %.
    assert (row["window_start"], row["window_end"]) == (date(2025, 4, 1), date(2026, 3, 31))
    assert (row["total_minutes"], row["outage_minutes"], row["excluded_minutes"]) == (
        Decimal("44640.00"),
        Decimal("360.00"),
        Decimal("240.00"),
    )
    assert row["excluded_by_cause"] == {"scheduled_maintenance": Decimal("60.00"), "utility_outage": Decimal("180.00")}
    assert row["uptime_percent"] == Decimal("99.73") and row["meets_threshold"]
    assert row["evidence"] == ["utility_outage 2026-03-11 06:00–2026-03-11 09:00: Utility notice 4711"]


def test_nevi_session_data_has_the_rules_fields(port):
    start = MARCH + timedelta(days=2, hours=9)
    good = ChargingSessionFactory(
        station=port.station,
        connector=port,
        started_at=start,
        stopped_at=start + HOUR,
        status=ChargingSession.Status.COMPLETED,
        energy_wh=10_500,
        token=TokenFactory(kind="RFID"),
    )
    for watts in ("7000", "11000", "9000"):
        MeterSample.objects.create(
            session=good,
            station=port.station,
            connector_number=1,
            sampled_at=start + timedelta(minutes=10),
            measurand="Power.Active.Import",
            value=Decimal(watts),
            normalized_value=Decimal(watts),
            unit="W",
        )
    ChargingSessionFactory(
        station=port.station,
        connector=port,
        started_at=start + 2 * HOUR,
        status=ChargingSession.Status.REJECTED,
        auth_status=ChargingSession.AuthStatus.INVALID,
    )
    faulted = ChargingSessionFactory(
        station=port.station,
        connector=port,
        started_at=start + 3 * HOUR,
        stopped_at=start + 3 * HOUR + timedelta(minutes=5),
        status=ChargingSession.Status.COMPLETED,
        energy_wh=0,
    )
    status(port, "Faulted", faulted.started_at + timedelta(minutes=1), error_code="GroundFailure")
    ChargingSessionFactory(station=port.station, connector=port, started_at=MARCH + timedelta(days=95))  # next quarter

    rows = reports.nevi_quarterly_sessions(station_ids=[port.station_id], start=MARCH, end=MARCH + timedelta(days=92))

    assert [(r["session_id"], r["successful"], r["error_codes"]) for r in rows] == [
        (good.pk, True, ""),
        (rows[1]["session_id"], False, "Invalid"),
        (faulted.pk, False, "GroundFailure"),
    ]
    first = rows[0]
    assert (first["station_id"], first["port_id"], first["energy_kwh"], first["peak_power_kw"]) == (
        port.station.identity,
        1,
        Decimal("10.500"),
        Decimal("11.00"),
    )
    assert (first["session_start"], first["payment_method"]) == (start.isoformat(), "RFID card")


def day_row(connector, day, *, down=0, excluded=0, unknown=0):
    ConnectorUptimeDay.objects.create(
        station=connector.station,
        connector_number=connector.connector_id,
        day=day,
        period_seconds=86400,
        up_seconds=86400 - down - excluded - unknown,
        down_seconds=down,
        excluded_seconds=excluded,
        unknown_seconds=unknown,
    )


def test_uk_network_reliability_of_rapid_points_only():
    first = ConnectorFactory(max_power_kw=Decimal("150"), power_type="DC", standard="IEC_62196_T2_COMBO")
    second = ConnectorFactory(max_power_kw=Decimal("50"), power_type="DC", standard="IEC_62196_T2_COMBO")
    slow = ConnectorFactory(max_power_kw=Decimal("22"))
    day_row(first, date(2025, 6, 1), down=864)
    day_row(first, date(2025, 6, 2))
    day_row(second, date(2025, 6, 1), down=1728, excluded=864)
    day_row(slow, date(2025, 6, 1), down=86400)
    day_row(first, date(2026, 1, 1), down=86400)  # another year

    report = reports.uk_rapid_reliability(station_ids=[first.station_id, second.station_id, slow.station_id], year=2025)

    # First: (172,800 − 864) / 172,800 = 99.5 %; second: (86,400 − 1,728) / 86,400 = 98 %
    # (its 864 s excluded); the 22 kW point is not rapid. Network: 98.75 % < 99 %.
    assert [(p["station_id"], p["reliability_percent"]) for p in report["charge_points"]] == [
        (first.station.identity, Decimal("99.50")),
        (second.station.identity, Decimal("98.00")),
    ]
    assert (report["network_percent"], report["meets_threshold"]) == (Decimal("98.75"), False)


def test_cec_fifteen_minute_intervals(port):
    day = MARCH + timedelta(days=5)
    status(port, "Faulted", day + timedelta(hours=10, minutes=5))
    status(port, "Available", day + timedelta(hours=10, minutes=20))
    ChargingSessionFactory(
        station=port.station,
        connector=port,
        started_at=day + timedelta(hours=10, minutes=30),
        stopped_at=day + timedelta(hours=11),
        status=ChargingSession.Status.COMPLETED,
        energy_wh=6000,
    )

    ChargingSessionFactory(  # began before the window: half its energy falls inside, its start does not
        station=port.station,
        connector=port,
        started_at=day + timedelta(hours=9, minutes=50),
        stopped_at=day + timedelta(hours=10, minutes=10),
        status=ChargingSession.Status.COMPLETED,
        energy_wh=2000,
    )

    rows = reports.cec_interval_rows(station_ids=[port.station_id], start=day + 10 * HOUR, end=day + 11 * HOUR)

    assert [
        (
            r["interval_start"][11:16],
            r["status"],
            r["up_seconds"],
            r["down_seconds"],
            r["sessions_started"],
            r["energy_wh"],
        )
        for r in rows
    ] == [
        ("10:00", "down", 300, 600, 0, 1000),
        ("10:15", "down", 600, 300, 0, 0),
        ("10:30", "up", 900, 0, 1, 3000),
        ("10:45", "up", 900, 0, 0, 3000),
    ]
