"""Staff downloads of the regulatory reports: the CSVs carry the rules' columns, bad
periods are a clear 400, and only staff get in."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from stations.models import ConnectorUptimeDay, StatusChange
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_user("ops", "ops@example.com", "x", is_staff=True))
    return client


def rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_nevi_uptime_csv_and_the_page(staff_client):
    connector = ConnectorFactory()
    ConnectorUptimeDay.objects.create(
        station=connector.station,
        connector_number=1,
        day=date(2026, 2, 10),
        period_seconds=86400,
        up_seconds=86400 - 3600,
        down_seconds=3600,
    )
    (row,) = rows(staff_client.get("/ops/reports/nevi-uptime.csv?month=2026-02"))
    assert (row["station_id"], row["port_id"], row["outage_minutes"], row["uptime_percent"]) == (
        connector.station.identity,
        "1",
        "60.00",
        "95.83",
    )
    assert row["meets_threshold"] == "False"
    page = staff_client.get("/ops/reports/?month=2026-02").content.decode()
    assert connector.station.identity in page and "95.83" in page


def test_session_and_interval_csvs_have_the_rules_columns(staff_client):
    ConnectorFactory()
    sessions = staff_client.get("/ops/reports/nevi-sessions.csv?quarter=2026-Q1")
    assert sessions.content.decode().splitlines()[0] == (
        "station_id,port_id,session_id,session_start,session_end,successful,error_codes,energy_kwh,"
        "peak_power_kw,payment_method"
    )
    uptime = staff_client.get("/ops/reports/nevi-quarter-uptime.csv?quarter=2026-Q1")
    assert uptime.content.decode().splitlines()[0] == (
        "month,station_id,port_id,window_start,window_end,total_minutes,outage_minutes,excluded_minutes,"
        "uptime_percent,meets_threshold"
    )
    outages = staff_client.get("/ops/reports/nevi-outages.csv?quarter=2026-Q1")
    assert outages.content.decode().splitlines()[0] == (
        "station_id,port_id,outage_start,outage_end,outage_minutes,excluded_minutes,cause,exempted"
    )
    intervals = rows(staff_client.get("/ops/reports/cec-intervals.csv?start=2026-03-02&end=2026-03-02"))
    assert len(intervals) == 96
    assert staff_client.get("/ops/reports/uk-reliability.csv?year=2025").status_code == 200
    afir_csv = staff_client.get("/ops/reports/afir-checks.csv").content.decode()
    assert afir_csv.splitlines()[0] == "site,check,passed,detail"


@pytest.mark.parametrize(
    "url",
    [
        "/ops/reports/nevi-uptime.csv?month=March",
        "/ops/reports/nevi-sessions.csv?quarter=2026-Q5",
        "/ops/reports/nevi-outages.csv?quarter=Q1",
        "/ops/reports/cec-intervals.csv?start=2026-03-02&end=2026-05-02",
        "/ops/reports/uk-reliability.csv?year=last",
    ],
)
def test_a_bad_period_is_a_400_saying_what_is_expected(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 400
    assert "please" in response.content.decode() or "at most" in response.content.decode()


def test_reports_are_staff_only(client):
    client.force_login(get_user_model().objects.create_user("owner", "o@example.com", "x"))
    assert client.get("/ops/reports/nevi-uptime.csv?month=2026-02").status_code == 302


def test_nevi_outages_csv_lists_each_outage_with_its_minutes_and_cause(staff_client):
    connector = ConnectorFactory()
    day = datetime(2026, 2, 10, tzinfo=UTC)
    for status, hour, error_code in (
        ("Available", 0, "NoError"),
        ("Faulted", 8, "GroundFailure"),
        ("Available", 10, "NoError"),
    ):
        StatusChange.objects.create(
            station=connector.station,
            connector_number=1,
            status=status,
            error_code=error_code,
            received_at=day + timedelta(hours=hour),
        )
    ConnectorUptimeDay.objects.create(
        station=connector.station, connector_number=1, day=day.date(), period_seconds=86400, up_seconds=79200
    )
    (row,) = rows(staff_client.get("/ops/reports/nevi-outages.csv?quarter=2026-Q1"))
    assert row == {
        "station_id": connector.station.identity,
        "port_id": "1",
        "outage_start": "2026-02-10T08:00:00+00:00",
        "outage_end": "2026-02-10T10:00:00+00:00",
        "outage_minutes": "120.00",
        "excluded_minutes": "0.00",
        "cause": "Faulted GroundFailure",
        "exempted": "False",
    }
