"""Work orders: lifecycle, ChangeAvailability through the outbox, checklists and parts,
and the preventive planner (calendar and usage triggers), with a controlled clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from stations.models import AvailabilityChange, CommandRequest, Incident, WorkOrder
from stations.operations.services import incidents, maintenance
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory
from stations.tests.ops_factories import T0, MaintenancePlanFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def sent(station):
    return list(
        CommandRequest.objects.filter(station=station, action="set_availability")
        .order_by("pk")
        .values_list("parameters", flat=True)
    )


def test_work_order_takes_its_connectors_out_of_service_and_gives_them_back_once():
    connector = ConnectorFactory()
    order = maintenance.work_order_create(
        station=connector.station,
        kind=WorkOrder.Kind.CORRECTIVE,
        title="Replace cable",
        due_date=date(2026, 3, 5),
        connectors=[connector],
        set_inoperative=True,
        checklist=["Isolate", "Swap cable", "Test"],
    )
    maintenance.work_order_start(work_order=order, now=T0)
    maintenance.work_order_start(work_order=order, now=T0 + timedelta(minutes=5))
    assert sent(connector.station) == [{"connector": 1, "operative": False}]
    maintenance.work_order_complete(work_order=order, time_spent_minutes=45, now=T0 + timedelta(hours=1))
    maintenance.work_order_complete(work_order=order, now=T0 + timedelta(hours=2))
    assert sent(connector.station) == [
        {"connector": 1, "operative": False},
        {"connector": 1, "operative": True},
    ]
    order.refresh_from_db()
    assert (order.status, order.started_at, order.completed_at, order.time_spent_minutes) == (
        WorkOrder.Status.DONE,
        T0,
        T0 + timedelta(hours=1),
        45,
    )
    assert [item.text for item in order.checklist_items.all()] == ["Isolate", "Swap cable", "Test"]


def test_work_order_without_connectors_takes_the_whole_station_out():
    order = WorkOrderFactory(set_inoperative=True)
    maintenance.work_order_start(work_order=order, now=T0)
    assert sent(order.station) == [{"connector": 0, "operative": False}]


def test_cancelling_restores_only_what_was_taken():
    order = WorkOrderFactory(set_inoperative=True)
    maintenance.work_order_cancel(work_order=order, now=T0)
    assert sent(order.station) == []
    order = WorkOrderFactory(set_inoperative=True, station=order.station)
    maintenance.work_order_start(work_order=order, now=T0)
    maintenance.work_order_cancel(work_order=order, now=T0 + timedelta(hours=1))
    assert AvailabilityChange.objects.filter(work_order=order).count() == 2
    assert sent(order.station)[-1] == {"connector": 0, "operative": True}


def test_scheduling_validates_the_window_and_the_status():
    order = WorkOrderFactory()
    with pytest.raises(ValidationError):
        maintenance.work_order_schedule(work_order=order, start=T0, end=T0)
    maintenance.work_order_schedule(work_order=order, start=T0, end=T0 + timedelta(hours=2), contractor="Sparks Ltd")
    assert (order.status, order.contractor) == (WorkOrder.Status.SCHEDULED, "Sparks Ltd")
    maintenance.work_order_complete(work_order=order, now=T0)
    with pytest.raises(ValidationError):
        maintenance.work_order_schedule(work_order=order, start=T0, end=T0 + timedelta(hours=1))


def test_connectors_of_another_station_are_refused():
    with pytest.raises(ValidationError):
        maintenance.work_order_create(
            station=ChargingStationFactory(),
            kind=WorkOrder.Kind.CORRECTIVE,
            title="x",
            due_date=date(2026, 3, 5),
            connectors=[ConnectorFactory()],
        )


def test_checklist_ticks_and_parts_are_recorded():
    order = maintenance.work_order_create(
        station=ChargingStationFactory(), kind="preventive", title="Visit", due_date=date(2026, 3, 5), checklist=["A"]
    )
    item = maintenance.work_order_checklist_tick(item=order.checklist_items.get(), done=True, now=T0)
    assert (item.done, item.done_at) == (True, T0)
    part = maintenance.work_order_part_add(work_order=order, name="RCD 30 mA", quantity=2, unit_cost="45.50")
    assert str(part) == "2 × RCD 30 mA"
    with pytest.raises(ValidationError):
        maintenance.work_order_part_add(work_order=order, name="Nothing", quantity=0)


# --- Preventive planner -------------------------------------------------------------------


def test_calendar_plan_creates_the_visit_lead_days_ahead_and_only_once():
    plan = MaintenancePlanFactory(every_days=90, lead_days=14)
    station = ChargingStationFactory(site=plan.site, commissioned_on=date(2026, 1, 1))
    due = date(2026, 4, 1)
    early = datetime(2026, 3, 17, 23, tzinfo=UTC)
    assert maintenance.work_orders_plan_due(now=early) == []
    on_time = datetime(2026, 3, 18, 6, tzinfo=UTC)
    (created,) = maintenance.work_orders_plan_due(now=on_time)
    assert maintenance.work_orders_plan_due(now=on_time) == []
    order = WorkOrder.objects.get(pk=created)
    assert (order.station, order.kind, order.due_date, order.plan) == (station, "preventive", due, plan)
    assert [i.text for i in order.checklist_items.all()] == plan.checklist


def test_next_visit_counts_from_the_last_completed_one():
    plan = MaintenancePlanFactory(every_days=30, lead_days=0)
    station = ChargingStationFactory(site=plan.site, commissioned_on=date(2026, 1, 1))
    (first,) = maintenance.work_orders_plan_due(now=datetime(2026, 2, 1, tzinfo=UTC))
    maintenance.work_order_complete(work_order=WorkOrder.objects.get(pk=first), now=datetime(2026, 2, 10, tzinfo=UTC))
    assert maintenance.work_orders_plan_due(now=datetime(2026, 3, 11, tzinfo=UTC)) == []
    (second,) = maintenance.work_orders_plan_due(now=datetime(2026, 3, 12, tzinfo=UTC))
    assert WorkOrder.objects.get(pk=second).due_date == date(2026, 3, 12)
    assert station.work_orders.count() == 2


def test_usage_plan_by_sessions_fires_at_the_lead_share():
    MaintenancePlanFactory(
        every_days=None, every_sessions=10, usage_lead_percent=90, site=None, station_model="HPC-350"
    )
    station = ChargingStationFactory(model="HPC-350", commissioned_on=date(2026, 1, 1))
    ChargingStationFactory(model="Other", commissioned_on=date(2026, 1, 1))
    for n in range(8):
        ChargingSessionFactory(station=station, started_at=datetime(2026, 2, 1, n, tzinfo=UTC))
    assert maintenance.work_orders_plan_due(now=T0) == []
    ChargingSessionFactory(station=station, started_at=datetime(2026, 2, 2, tzinfo=UTC))
    (created,) = maintenance.work_orders_plan_due(now=T0)
    assert WorkOrder.objects.get(pk=created).station == station


def test_usage_plan_by_energy():
    plan = MaintenancePlanFactory(every_days=None, every_energy_wh=1_000_000, usage_lead_percent=100)
    station = ChargingStationFactory(site=plan.site, commissioned_on=date(2026, 1, 1))
    ChargingSessionFactory(station=station, started_at=datetime(2026, 2, 1, tzinfo=UTC), energy_wh=999_999)
    assert maintenance.work_orders_plan_due(now=T0) == []
    ChargingSessionFactory(station=station, started_at=datetime(2026, 2, 2, tzinfo=UTC), energy_wh=1)
    assert len(maintenance.work_orders_plan_due(now=T0)) == 1


def test_inactive_plan_plans_nothing():
    plan = MaintenancePlanFactory(is_active=False, every_days=1)
    ChargingStationFactory(site=plan.site, commissioned_on=date(2025, 1, 1))
    assert maintenance.work_orders_plan_due(now=T0) == []


def _admin_post(client, url, **fields):
    inlines = {
        f"{name}-{count}": "0"
        for name in ("checklist_items", "parts", "breakdown_reports")
        for count in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    return client.post(url, {"time_spent_minutes": "0", **inlines, **fields})


def test_admin_creates_a_work_order_through_the_service(admin_client, admin_user):
    connector = ConnectorFactory()
    response = _admin_post(
        admin_client,
        reverse("admin:stations_workorder_add"),
        kind="preventive",
        station=connector.station.pk,
        connectors=[connector.pk],
        title="Annual check",
        due_date="2026-03-10",
        scheduled_start_0="2026-03-09",
        scheduled_start_1="08:00",
        scheduled_end_0="2026-03-09",
        scheduled_end_1="10:00",
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    # A visit booked at creation is Scheduled, as work_order_create decides.
    assert (order.status, order.created_by, list(order.connectors.all())) == (
        WorkOrder.Status.SCHEDULED,
        admin_user,
        [connector],
    )


def test_admin_refuses_a_visit_that_ends_before_it_starts(admin_client):
    order = WorkOrderFactory()
    response = _admin_post(
        admin_client,
        reverse("admin:stations_workorder_change", args=[order.pk]),
        kind=order.kind,
        station=order.station.pk,
        title=order.title,
        due_date=order.due_date.isoformat(),
        scheduled_start_0="2026-03-09",
        scheduled_start_1="10:00",
        scheduled_end_0="2026-03-09",
        scheduled_end_1="08:00",
    )
    assert response.status_code == 200
    assert "scheduled_end" in response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.scheduled_start is None


def test_a_new_plan_counts_from_its_own_creation_not_from_commissioning():
    # A fleet commissioned in 2024 and a plan made on 1 March 2026: the first visits are
    # due 90 days after the plan, not 18 months overdue on its first day.
    plan = MaintenancePlanFactory(every_days=90, lead_days=14, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    ChargingStationFactory(site=plan.site, commissioned_on=date(2024, 9, 1))
    assert maintenance.work_orders_plan_due(now=datetime(2026, 3, 2, tzinfo=UTC)) == []
    (created,) = maintenance.work_orders_plan_due(now=datetime(2026, 5, 16, tzinfo=UTC))
    assert WorkOrder.objects.get(pk=created).due_date == date(2026, 5, 30)


def test_an_unstarted_repair_is_cancelled_once_its_fault_has_cleared_by_itself(settings):
    settings.OPS_DEBOUNCE_SECONDS = 0
    settings.OPS_FLAP_SECONDS = 600
    connector = ConnectorFactory()
    incidents.status_observe(
        station_id=connector.station_id, connector_number=1, status="Faulted", error_code="GroundFailure", at=T0
    )
    incident = Incident.objects.get()
    order = maintenance.work_order_for_incident(incident=incident, now=T0)
    incidents.status_observe(
        station_id=connector.station_id, connector_number=1, status="Available", error_code="NoError", at=T0 + HOUR
    )
    assert maintenance.work_orders_close_cleared(now=T0 + HOUR + timedelta(minutes=5)) == []  # may still flap
    assert maintenance.work_orders_close_cleared(now=T0 + 2 * HOUR) == [order.pk]
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CANCELLED
    assert "cleared by itself" in order.notes
    assert maintenance.work_orders_close_cleared(now=T0 + 3 * HOUR) == []


def test_a_repair_already_started_or_with_a_fault_left_stays_open(settings):
    settings.OPS_DEBOUNCE_SECONDS = 0
    settings.OPS_FLAP_SECONDS = 0
    connector = ConnectorFactory()
    other = ConnectorFactory(station=connector.station, connector_id=2)
    for number in (1, 2):
        incidents.status_observe(
            station_id=connector.station_id, connector_number=number, status="Faulted", error_code="X", at=T0
        )
    first = Incident.objects.get(connector_number=1)
    order = maintenance.work_order_for_incident(incident=first, now=T0)
    incidents.status_observe(
        station_id=connector.station_id, connector_number=1, status="Available", error_code="NoError", at=T0 + HOUR
    )
    assert maintenance.work_orders_close_cleared(now=T0 + 2 * HOUR) == []  # connector 2 still faulted
    incidents.status_observe(
        station_id=other.station_id, connector_number=2, status="Available", error_code="NoError", at=T0 + HOUR
    )
    maintenance.work_order_start(work_order=order, now=T0 + 90 * timedelta(minutes=1))
    assert maintenance.work_orders_close_cleared(now=T0 + 2 * HOUR) == []
