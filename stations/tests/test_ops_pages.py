"""Staff operations pages: dashboard, command buttons, calendar, analytics and CSV
(owners see only their own), admin pages and the admin link."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from drivers.tests.factories import DriverFactory, UserFactory
from stations.models import CommandRequest, OrganisationMember, StatusChange
from stations.operations.services import uptime
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory, OrganisationFactory
from stations.tests.ops_factories import IncidentFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Production mode (CI) hashes static files through a manifest that only collectstatic
    # writes; these tests are about the pages, not the hashing.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_dashboard_is_for_staff_only(client):
    assert client.get(reverse("ops:dashboard")).status_code == 302
    client.force_login(DriverFactory().user)
    response = client.get(reverse("ops:dashboard"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_dashboard_first_paint_carries_stations_sessions_and_incidents(staff_client):
    session = ChargingSessionFactory(last_power_w="7400.0")
    IncidentFactory(station=session.station, summary="Faulted / GroundFailure")
    response = staff_client.get(reverse("ops:dashboard"))
    assert response.status_code == 200
    snapshot = response.context["snapshot"]
    assert [s["identity"] for s in snapshot["stations"]] == [session.station.identity]
    assert snapshot["sessions"][0]["session_id"] == session.pk
    assert snapshot["incidents"][0]["summary"] == "Faulted / GroundFailure"
    assert snapshot["power_w"] == "7400.0"
    assert b"/ws/live/" in response.content or b"dashboard.js" in response.content


def test_unlock_button_queues_unlock_connector_through_the_outbox(staff_client):
    connector = ConnectorFactory()
    url = reverse("ops:station-command", args=[connector.station_id])
    response = staff_client.post(url, {"kind": "unlock", "connector": "1"})
    assert response.status_code == 202
    command = CommandRequest.objects.get(pk=response.json()["command_id"])
    assert (command.action, command.parameters, command.source) == ("unlock", {"connector": 1}, "admin")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "selfdestruct"}, "kind"),
        ({"kind": "unlock", "connector": "0"}, "connector"),
        ({"kind": "unlock", "connector": "x"}, "connector"),
    ],
)
def test_bad_command_is_refused_with_the_reason_and_queues_nothing(staff_client, body, field):
    connector = ConnectorFactory()
    response = staff_client.post(reverse("ops:station-command", args=[connector.station_id]), body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not CommandRequest.objects.exists()


def test_remote_stop_from_the_dashboard_is_audited(staff_client):
    session = ChargingSessionFactory(station__is_connected=True)
    response = staff_client.post(
        reverse("ops:session-intervene", args=[session.pk]), {"action": "remote_stop", "reason": "Driver called"}
    )
    assert response.status_code == 200
    assert CommandRequest.objects.get(pk=response.json()["command_id"]).action == "stop"


def test_calendar_shows_work_orders_on_their_due_day_and_counts_overdue(staff_client):
    order = WorkOrderFactory(due_date=date(2026, 3, 10))
    response = staff_client.get(reverse("ops:calendar"), {"month": "2026-03"})
    assert response.status_code == 200
    assert f"WO-{order.pk}".encode() in response.content
    assert response.context["overdue"] >= 1


def _owner_with_station():
    owner = OrganisationFactory()
    connector = ConnectorFactory(station__owner=owner, station__agreement=None)
    member = UserFactory()
    OrganisationMember.objects.create(organisation=owner, user=member)
    return owner, connector, member


def test_owner_sees_only_their_own_stations_in_analytics(client):
    _owner, connector, member = _owner_with_station()
    foreign = ConnectorFactory()
    client.force_login(member)
    response = client.get(reverse("ops:analytics"))
    assert response.status_code == 200
    assert list(response.context["stations"]) == [connector.station]
    assert client.get(reverse("ops:analytics"), {"station": foreign.station_id}).status_code == 404
    assert client.get(reverse("ops:analytics-csv"), {"station": foreign.station_id}).status_code == 404


def test_driver_without_an_organisation_has_no_analytics(client):
    client.force_login(DriverFactory().user)
    assert client.get(reverse("ops:analytics")).status_code == 404


def test_analytics_csv_has_sessions_energy_utilisation_and_uptime_per_day(staff_client):
    connector = ConnectorFactory()
    day = datetime(2026, 3, 2, tzinfo=UTC)
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Available", received_at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Charging", received_at=day.replace(hour=6)
    )
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Available", received_at=day.replace(hour=12)
    )
    ChargingSessionFactory(
        station=connector.station, connector=connector, started_at=day.replace(hour=6), energy_wh=30_500
    )
    uptime.uptime_compute_day(day=day.date(), now=datetime(2026, 3, 5, tzinfo=UTC))
    response = staff_client.get(
        reverse("ops:analytics-csv"), {"station": connector.station_id, "start": "2026-03-01", "end": "2026-03-02"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["period_start"] for r in rows] == ["2026-03-01", "2026-03-02"]
    assert (rows[1]["sessions"], rows[1]["energy_kwh"]) == ("1", "30.500")
    assert (rows[1]["utilisation_percent"], rows[1]["uptime_percent"]) == ("25.00", "100.00")
    assert rows[0]["uptime_percent"] == ""


def test_analytics_page_renders_charts_from_the_local_chart_library(staff_client):
    ConnectorFactory()
    response = staff_client.get(reverse("ops:analytics"), {"period": "month"})
    assert response.status_code == 200
    assert b"vendor/chartjs/chart.umd.min.js" in response.content
    assert b"cdn" not in response.content.lower()
    chart = response.context["chart"]
    assert set(chart) >= {"labels", "sessions", "energy_kwh", "revenue", "utilisation", "uptime"}


def test_bad_analytics_range_is_a_clear_error(staff_client):
    response = staff_client.get(reverse("ops:analytics"), {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400
    assert b"range" in response.content


def test_admin_index_links_the_operations_pages_and_their_admin_pages_load(staff_client):
    index = staff_client.get(reverse("admin:index"))
    assert reverse("ops:dashboard").encode() in index.content
    IncidentFactory()
    WorkOrderFactory()
    for name in ("stations_incident", "stations_workorder", "drivers_breakdownreport", "stations_maintenanceplan",
                 "stations_firmwarecampaign", "stations_notification", "stations_diagnosticsrequest",
                 "stations_connectoruptimeday", "stations_sessionintervention"):  # fmt: skip
        assert staff_client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert staff_client.get(reverse("admin:stations_workorder_add")).status_code == 200


def test_uptime_page_reports_per_site_and_month_with_csv(staff_client):
    connector = ConnectorFactory()
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Available", received_at=datetime(2026, 2, 1, tzinfo=UTC)
    )
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Faulted", received_at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    StatusChange.objects.create(
        station=connector.station, connector_number=1, status="Available", received_at=datetime(2026, 3, 3, tzinfo=UTC)
    )
    for day in range(1, 5):
        uptime.uptime_compute_day(day=date(2026, 3, day), now=datetime(2026, 3, 10, tzinfo=UTC))
    params = {"level": "site", "period": "month", "start": "2026-03-01", "end": "2026-03-31"}
    page = staff_client.get(reverse("ops:uptime"), params)
    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert (row["label"], str(row["uptime_percent"]), row["meets_target"]) == (
        connector.station.site.name,
        "75.00",
        False,
    )
    response = staff_client.get(reverse("ops:uptime"), {**params, "format": "csv"})
    (line,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (line["down_seconds"], line["uptime_percent"], line["meets_target"]) == ("86400", "75.00", "False")


def test_owner_uptime_page_lists_only_their_stations(client):
    _owner, connector, member = _owner_with_station()
    foreign = ConnectorFactory()
    for c in (connector, foreign):
        StatusChange.objects.create(
            station=c.station, connector_number=1, status="Available", received_at=datetime(2026, 3, 1, tzinfo=UTC)
        )
    uptime.uptime_compute_day(day=date(2026, 3, 2), now=datetime(2026, 3, 5, tzinfo=UTC))
    client.force_login(member)
    page = client.get(reverse("ops:uptime"), {"level": "station", "start": "2026-03-01", "end": "2026-03-31"})
    assert [row["station_id"] for row in page.context["rows"]] == [connector.station_id]


def test_snapshot_endpoint_serves_the_dashboard_state_to_staff_only(staff_client):
    from django.test import Client

    ConnectorFactory()
    assert Client().get(reverse("ops:snapshot")).status_code == 302
    body = staff_client.get(reverse("ops:snapshot")).json()
    assert set(body) == {"stations", "sessions", "incidents", "power_w"}
    assert body["stations"][0]["connectors"][0]["connector_id"] == 1


def test_admin_refuses_a_work_order_with_another_stations_connector(staff_client):
    station = ConnectorFactory().station
    foreign = ConnectorFactory()
    response = staff_client.post(
        reverse("admin:stations_workorder_add"),
        {
            "kind": "corrective",
            "station": station.pk,
            "connectors": [foreign.pk],
            "title": "Swap cable",
            "due_date": "2026-03-10",
            "time_spent_minutes": "0",
            "checklist_items-TOTAL_FORMS": "0",
            "checklist_items-INITIAL_FORMS": "0",
            "parts-TOTAL_FORMS": "0",
            "parts-INITIAL_FORMS": "0",
            "breakdown_reports-TOTAL_FORMS": "0",
            "breakdown_reports-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "connectors" in response.context["adminform"].form.errors
