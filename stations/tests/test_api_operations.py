"""`incidents/`, `work-orders/`, `breakdown-reports/` through the API, per role."""

from datetime import date

import pytest
from django.utils import timezone

from drivers.models import BreakdownReport
from stations.models import Incident, WorkOrder
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


def _incident(station, **fields):
    now = timezone.now()
    return Incident.objects.create(
        station=station, cause=Incident.Cause.CONNECTOR_FAULT, status=Incident.Status.OPEN,
        first_seen_at=now, last_seen_at=now, **fields,
    )  # fmt: skip


def test_driver_files_a_breakdown_report_which_opens_a_work_order(driver_client, driver):
    connector = ConnectorFactory(connector_id=2)

    response = driver_client.post(
        "/api/v1/breakdown-reports/",
        {"station": connector.station_id, "connector_number": 2, "category": "damaged", "description": "Cable cut"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    report = BreakdownReport.objects.get(pk=response.json()["id"])
    assert (report.driver, report.connector, report.source) == (driver, connector, "api")
    assert response.json()["work_order"] == report.work_order_id is not None
    assert driver_client.get("/api/v1/breakdown-reports/").json()["count"] == 1


def test_breakdown_report_with_unknown_connector_or_empty_text_is_rejected(driver_client):
    station = ChargingStationFactory()

    unknown = driver_client.post(
        "/api/v1/breakdown-reports/",
        {"station": station.pk, "connector_number": 9, "description": "Broken"},
        format="json",
    )
    empty = driver_client.post("/api/v1/breakdown-reports/", {"station": station.pk, "description": ""}, format="json")

    assert unknown.status_code == empty.status_code == 400
    assert "connector_number" in unknown.json()["errors"]
    assert "description" in empty.json()["errors"]
    assert not BreakdownReport.objects.exists()


def test_drivers_do_not_see_each_others_breakdown_reports(driver_client, other_driver_client):
    station = ChargingStationFactory()
    created = other_driver_client.post(
        "/api/v1/breakdown-reports/", {"station": station.pk, "description": "Screen dark"}, format="json"
    )

    assert driver_client.get(f"/api/v1/breakdown-reports/{created.json()['id']}/").status_code == 404
    assert driver_client.get("/api/v1/breakdown-reports/").json()["count"] == 0


def test_staff_resolve_incidents_and_owners_only_read_their_own(staff_client, owner_client, owner_organisation):
    own = _incident(ChargingStationFactory(owner=owner_organisation, agreement=None))
    foreign = _incident(ChargingStationFactory())

    assert [item["id"] for item in owner_client.get("/api/v1/incidents/").json()["results"]] == [own.pk]
    assert owner_client.get(f"/api/v1/incidents/{foreign.pk}/").status_code == 404
    assert owner_client.post(f"/api/v1/incidents/{own.pk}/resolve/", {"resolution": "x"}).status_code == 403

    response = staff_client.post(f"/api/v1/incidents/{own.pk}/resolve/", {"resolution": "Reset"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == Incident.Status.RESOLVED


def test_drivers_may_not_read_incidents_or_work_orders(driver_client):
    assert driver_client.get("/api/v1/incidents/").status_code == 403
    assert driver_client.get("/api/v1/work-orders/").status_code == 403


def test_staff_create_start_and_complete_a_work_order(staff_client):
    station = ChargingStationFactory()

    created = staff_client.post(
        "/api/v1/work-orders/",
        {
            "kind": "preventive",
            "station": station.pk,
            "title": "Annual check",
            "due_date": date.today().isoformat(),
            "checklist": ["Inspect cable", "Test RCD"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    order_id = created.json()["id"]

    started = staff_client.post(f"/api/v1/work-orders/{order_id}/start/")
    completed = staff_client.post(
        f"/api/v1/work-orders/{order_id}/complete/", {"notes": "All fine", "time_spent_minutes": 45}, format="json"
    )
    restarted = staff_client.post(f"/api/v1/work-orders/{order_id}/start/")

    assert started.json()["status"] == WorkOrder.Status.IN_PROGRESS
    assert completed.json()["status"] == WorkOrder.Status.DONE
    assert completed.json()["time_spent_minutes"] == 45
    assert restarted.status_code == 409
    assert WorkOrder.objects.get(pk=order_id).checklist_items.count() == 2


def test_owner_analytics_cover_only_own_stations_and_staff_see_all(owner_client, staff_client, owner_organisation):
    from datetime import UTC, datetime

    from stations.tests.factories import ChargingSessionFactory

    own = ChargingStationFactory(owner=owner_organisation, agreement=None)
    ChargingSessionFactory(station=own, started_at=datetime(2026, 3, 2, 10, tzinfo=UTC), energy_wh=7000)
    ChargingSessionFactory(started_at=datetime(2026, 3, 2, 11, tzinfo=UTC), energy_wh=5000)
    params = {"start": "2026-03-01", "end": "2026-03-31", "period": "month"}

    owner_view = owner_client.get("/api/v1/analytics/", params).json()
    staff_view = staff_client.get("/api/v1/analytics/", params).json()

    assert (owner_view["station_count"], owner_view["totals"]["sessions"], owner_view["totals"]["energy_wh"]) == (
        1,
        1,
        7000,
    )
    assert staff_view["totals"]["sessions"] == 2
    assert [row["period_start"] for row in owner_view["rows"]] == ["2026-03-01"]


def test_analytics_refuse_drivers_and_overlong_ranges(driver_client, staff_client):
    too_long = staff_client.get("/api/v1/analytics/", {"start": "2020-01-01", "end": "2026-01-01", "period": "day"})

    assert driver_client.get("/api/v1/analytics/").status_code == 403
    assert too_long.status_code == 400
    assert "start" in too_long.json()["errors"]
