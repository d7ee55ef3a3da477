"""Uptime from status history, with a controlled clock: up/down states, offline,
station-level outages, planned maintenance excluded, unknown time, monthly roll-up."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from stations.models import ConnectorUptimeDay, OpeningHours, StatusChange, WorkOrder
from stations.operations.selectors import uptime as uptime_selectors
from stations.operations.services import uptime
from stations.tests.factories import ConnectorFactory, SiteFactory
from stations.tests.ops_factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)
HOUR = timedelta(hours=1)
MIDNIGHT = datetime(2026, 3, 2, tzinfo=UTC)
AFTER = MIDNIGHT + timedelta(days=2)


def at(hours: float) -> datetime:
    return MIDNIGHT + timedelta(hours=hours)


def status(connector, value, when, number=None):
    StatusChange.objects.create(
        station=connector.station,
        connector_number=connector.connector_id if number is None else number,
        status=value,
        received_at=when,
    )


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    status(connector, "Available", MIDNIGHT - timedelta(days=3))
    return connector


def row(connector) -> ConnectorUptimeDay:
    uptime.uptime_compute_day(day=DAY, now=AFTER, station_ids=[connector.station_id])
    return ConnectorUptimeDay.objects.get(station=connector.station, connector_number=connector.connector_id, day=DAY)


def test_an_hour_faulted_is_an_hour_down(connector):
    status(connector, "Faulted", at(10))
    status(connector, "Available", at(11))
    day = row(connector)
    assert (day.period_seconds, day.up_seconds, day.down_seconds) == (86400, 23 * 3600, 3600)
    assert uptime_selectors.uptime_percent(period_seconds=86400, down_seconds=3600, unknown_seconds=0) == Decimal(
        "95.83"
    )


def test_offline_counts_as_down_even_if_the_connector_said_available(connector):
    status(connector, "Offline", at(2), number=0)
    status(connector, "Online", at(3), number=0)
    assert row(connector).down_seconds == 3600


def test_station_level_unavailable_takes_every_connector_down(connector):
    other = ConnectorFactory(station=connector.station, connector_id=2)
    status(other, "Available", MIDNIGHT - HOUR)
    status(connector, "Unavailable", at(5), number=0)
    status(connector, "Available", at(7), number=0)
    assert row(connector).down_seconds == 7200
    assert ConnectorUptimeDay.objects.get(station=other.station, connector_number=2).down_seconds == 7200


def test_planned_maintenance_is_excluded_and_reported_separately(connector):
    WorkOrderFactory(
        station=connector.station,
        kind=WorkOrder.Kind.PREVENTIVE,
        status=WorkOrder.Status.DONE,
        started_at=at(8),
        completed_at=at(10),
    )
    status(connector, "Unavailable", at(8))
    status(connector, "Available", at(10.5))
    day = row(connector)
    assert (day.maintenance_seconds, day.down_seconds) == (7200, 1800)
    assert day.up_seconds == 86400 - 9000


def test_corrective_work_is_not_planned_maintenance(connector):
    WorkOrderFactory(station=connector.station, status=WorkOrder.Status.DONE, started_at=at(8), completed_at=at(10))
    status(connector, "Unavailable", at(8))
    status(connector, "Available", at(10))
    day = row(connector)
    assert (day.maintenance_seconds, day.down_seconds) == (0, 7200)


def test_maintenance_of_another_connector_does_not_excuse_this_one(connector):
    other = ConnectorFactory(station=connector.station, connector_id=2)
    order = WorkOrderFactory(
        station=connector.station, kind=WorkOrder.Kind.PREVENTIVE, status=WorkOrder.Status.IN_PROGRESS, started_at=at(8)
    )
    order.connectors.set([other])
    status(connector, "Faulted", at(9))
    status(connector, "Available", at(10))
    assert row(connector).down_seconds == 3600


def test_time_before_the_first_known_status_is_unknown_and_left_out():
    connector = ConnectorFactory()
    status(connector, "Available", at(6))
    status(connector, "Faulted", at(12))
    status(connector, "Available", at(13.5))
    day = row(connector)
    assert (day.unknown_seconds, day.down_seconds) == (6 * 3600, 5400)
    percent = uptime_selectors.uptime_percent(
        period_seconds=day.period_seconds, down_seconds=day.down_seconds, unknown_seconds=day.unknown_seconds
    )
    assert percent == Decimal("91.67")


def test_today_is_computed_up_to_now(connector):
    status(connector, "Faulted", at(1))
    uptime.uptime_compute_day(day=DAY, now=at(3), station_ids=[connector.station_id])
    day = ConnectorUptimeDay.objects.get(day=DAY)
    assert (day.period_seconds, day.down_seconds, day.up_seconds) == (3 * 3600, 2 * 3600, 3600)


def test_occupied_time_is_counted_for_utilisation(connector):
    status(connector, "Preparing", at(9))
    status(connector, "Charging", at(9.25))
    status(connector, "Finishing", at(11))
    status(connector, "Available", at(11.25))
    day = row(connector)
    assert (day.occupied_seconds, day.up_seconds) == (int(2.25 * 3600), 86400)


def test_recomputing_a_day_overwrites_its_row(connector):
    row(connector)
    status(connector, "Faulted", at(20))
    status(connector, "Available", at(21))
    day = row(connector)
    assert ConnectorUptimeDay.objects.count() == 1
    assert day.down_seconds == 3600


def test_future_day_writes_nothing(connector):
    assert uptime.uptime_compute_day(day=DAY, now=MIDNIGHT - HOUR) == 0


def test_monthly_station_and_site_report_against_the_97_percent_target(connector, settings):
    settings.OPS_UPTIME_TARGET_PERCENT = 97
    other = ConnectorFactory(station=connector.station, connector_id=2)
    status(other, "Available", MIDNIGHT - HOUR)
    status(other, "Faulted", at(0))
    status(other, "Available", at(4))  # 4 h down on one of two connectors: 91.67 %
    for offset in range(2):
        uptime.uptime_compute_day(day=DAY + timedelta(days=offset), now=AFTER, station_ids=[connector.station_id])
    ids = [connector.station_id]
    (month,) = uptime_selectors.uptime_report(
        station_ids=ids, start=date(2026, 3, 1), end=date(2026, 3, 31), level="station", period="month"
    )
    assert month["period_start"] == date(2026, 3, 1)
    assert (month["period_seconds"], month["down_seconds"]) == (4 * 86400, 4 * 3600)
    assert month["uptime_percent"] == Decimal("95.83")
    assert month["meets_target"] is False
    (site_month,) = uptime_selectors.uptime_report(
        station_ids=ids, start=date(2026, 3, 1), end=date(2026, 3, 31), level="site", period="month"
    )
    assert site_month["station__site__name"] == connector.station.site.name
    daily = uptime_selectors.uptime_report(
        station_ids=ids, start=date(2026, 3, 1), end=date(2026, 3, 31), level="connector"
    )
    assert [(r["period_start"], r["connector_number"], r["meets_target"]) for r in daily] == [
        (DAY, 1, True),
        (DAY, 2, False),
        (DAY + timedelta(days=1), 1, True),
        (DAY + timedelta(days=1), 2, True),
    ]


def test_station_in_service_that_never_reported_is_down_all_day_not_missing():
    connector = ConnectorFactory(station__commissioned_on=DAY - timedelta(days=30))
    day = row(connector)
    assert (day.down_seconds, day.unknown_seconds) == (86400, 0)
    assert uptime_selectors.uptime_percent(
        period_seconds=day.period_seconds, down_seconds=day.down_seconds, unknown_seconds=day.unknown_seconds
    ) == Decimal("0.00")


def test_station_commissioned_that_day_is_down_until_its_first_status():
    connector = ConnectorFactory(station__commissioned_on=DAY)
    status(connector, "Available", at(18))
    day = row(connector)
    # From its commissioning day's start it is in service: 18 h silent are down.
    assert (day.unknown_seconds, day.down_seconds, day.up_seconds) == (0, 18 * 3600, 6 * 3600)


def test_report_shows_down_time_in_hundredths_of_an_hour(connector):
    status(connector, "Faulted", at(10))
    status(connector, "Available", at(10) + timedelta(minutes=20))
    row(connector)
    (report,) = uptime_selectors.uptime_report(station_ids=[connector.station_id], start=DAY, end=DAY)
    assert report["down_hours"] == Decimal("0.33")


def test_down_time_while_the_site_is_closed_is_excluded_as_outside_hours(connector):
    site = connector.station.site
    site.is_open_24_7 = False
    site.save(update_fields=["is_open_24_7"])
    # Mondays 08:00–20:00 in Berlin: 07:00–19:00 UTC on 2 March 2026 (CET).
    OpeningHours.objects.create(site=site, weekday=OpeningHours.Weekday.MONDAY, opens_at=time(8), closes_at=time(20))
    status(connector, "Unavailable", MIDNIGHT)
    day = row(connector)
    assert (day.down_seconds, day.excluded_seconds) == (12 * 3600, 12 * 3600)
    assert day.excluded_by_cause == {"outside_hours": 12 * 3600}


def test_opening_hours_past_midnight_keep_the_night_open():
    site = SiteFactory(is_open_24_7=False, time_zone="UTC")
    # Sunday 18:00 to Monday 02:00, then Monday 10:00–12:00.
    OpeningHours.objects.create(site=site, weekday=OpeningHours.Weekday.SUNDAY, opens_at=time(18), closes_at=time(2))
    OpeningHours.objects.create(site=site, weekday=OpeningHours.Weekday.MONDAY, opens_at=time(10), closes_at=time(12))
    windows = uptime.closed_windows(site=site, start=MIDNIGHT, end=MIDNIGHT + timedelta(days=1))
    assert [(s.hour, e.hour if e.day == 2 else 24) for s, e, _cause in windows] == [(2, 10), (12, 24)]
