"""The monthly analytics report (subscribers' figures beside the network's) against a
hand-computed month."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from stations.models import ConnectorUptimeDay
from stations.selectors.analytics_report import monthly_report
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


def day(connector, on, *, occupied, unknown=0):
    ConnectorUptimeDay.objects.create(
        station=connector.station,
        connector_number=connector.connector_id,
        day=on,
        period_seconds=86400,
        up_seconds=86400 - unknown,
        unknown_seconds=unknown,
        occupied_seconds=occupied,
    )


def test_subscriber_figures_beside_the_network_benchmark():
    ours = ConnectorFactory(station__site__time_zone="Europe/Berlin")
    theirs = ConnectorFactory(station__site__time_zone="UTC")
    for n in (1, 2):
        day(ours, date(2026, 3, n), occupied=8640)  # 10 % of each day
        day(theirs, date(2026, 3, n), occupied=25920, unknown=0)  # 30 %
    day(ours, date(2026, 4, 1), occupied=86400)  # another month
    ChargingSessionFactory(station=ours.station, started_at=datetime(2026, 3, 1, 7, 30, tzinfo=UTC), energy_wh=12000)
    ChargingSessionFactory(station=ours.station, started_at=datetime(2026, 3, 2, 7, 10, tzinfo=UTC), energy_wh=8000)
    ChargingSessionFactory(station=theirs.station, started_at=datetime(2026, 3, 2, 18, 0, tzinfo=UTC), energy_wh=30000)
    ChargingSessionFactory(station=theirs.station, started_at=datetime(2026, 3, 2, 19, 0, tzinfo=UTC), energy_wh=0)

    report = monthly_report(station_ids=[ours.station_id], month=date(2026, 3, 15))

    yours, network = report["yours"], report["network"]
    # Ours: 2 sessions, 20 kWh, 10 % occupied, 2 sessions over 2 connector-days, both at
    # 08 h Berlin time. Network: 3 sessions with energy, 50 kWh, (17,280 + 51,840) /
    # 345,600 = 20 %, 3 / 4 connector-days = 0.75.
    assert (yours["sessions"], yours["energy_kwh"], yours["utilisation_percent"]) == (
        2,
        Decimal("20.0"),
        Decimal("10.00"),
    )
    assert yours["sessions_per_connector_day"] == Decimal("1.00")
    assert yours["sessions_by_local_hour"][8] == 2 and sum(yours["sessions_by_local_hour"]) == 2
    assert (network["sessions"], network["energy_kwh"], network["utilisation_percent"]) == (
        3,
        Decimal("50.0"),
        Decimal("20.00"),
    )
    assert network["sessions_per_connector_day"] == Decimal("0.75")
    assert report["month"] == date(2026, 3, 1)
