"""Work orders and preventive maintenance plans.

Drivers' breakdown reports (drivers/services/breakdowns.py) open (or join) a station's
corrective work order through `work_order_for_incident`, and follow its status through
`signals.work_order_status_changed`. A work order that takes
connectors out of service sends ChangeAvailability Inoperative through the command
outbox when it starts and Operative when it ends, once per connector."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stations import signals
from stations.models import (
    AvailabilityChange,
    ChargingSession,
    ChargingStation,
    CommandRequest,
    Connector,
    Incident,
    MaintenancePlan,
    Notification,
    WorkOrder,
    WorkOrderChecklistItem,
    WorkOrderPart,
)
from stations.operations.services import incidents as incident_services
from stations.operations.services import notifications
from stations.services.commands import command_request


def work_order_create(
    *,
    station: ChargingStation,
    kind: str,
    title: str,
    due_date: date,
    description: str = "",
    connectors: Iterable[Connector] = (),
    plan: MaintenancePlan | None = None,
    incident: Incident | None = None,
    assignee=None,
    contractor: str = "",
    checklist: Iterable[str] = (),
    set_inoperative: bool = False,
    scheduled_start: datetime | None = None,
    scheduled_end: datetime | None = None,
    created_by=None,
) -> WorkOrder:
    """Create a work order with its checklist. Raises ValidationError for connectors of
    another station or an end before the start; IntegrityError if the plan already has an
    open visit at this station."""
    connectors = list(connectors)
    work_order_validate(
        station=station, connectors=connectors, scheduled_start=scheduled_start, scheduled_end=scheduled_end
    )
    with transaction.atomic():
        work_order = WorkOrder.objects.create(
            station=station,
            kind=kind,
            title=title[:200],
            description=description,
            due_date=due_date,
            plan=plan,
            incident=incident,
            assignee=assignee,
            contractor=contractor,
            set_inoperative=set_inoperative,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            status=WorkOrder.Status.SCHEDULED if scheduled_start else WorkOrder.Status.PLANNED,
            created_by=created_by,
        )
        work_order.connectors.set(connectors)
        WorkOrderChecklistItem.objects.bulk_create(
            WorkOrderChecklistItem(work_order=work_order, position=n, text=str(text)[:200])
            for n, text in enumerate(checklist)
        )
    return work_order


def work_order_validate(
    *,
    station: ChargingStation,
    connectors: Iterable[Connector],
    scheduled_start: datetime | None,
    scheduled_end: datetime | None,
) -> None:
    """Raises ValidationError for connectors of another station or an end before the start."""
    if any(c.station_id != station.pk for c in connectors):
        raise ValidationError({"connectors": _("Every connector must belong to the work order's station.")})
    if scheduled_start and scheduled_end and scheduled_end <= scheduled_start:
        raise ValidationError({"scheduled_end": _("The visit must end after it starts.")})


EDITABLE_FIELDS = frozenset(
    {
        "kind", "station", "title", "description", "due_date", "assignee", "contractor", "set_inoperative",
        "scheduled_start", "scheduled_end", "notes", "time_spent_minutes",
    }
)  # fmt: skip


def work_order_update(*, work_order: WorkOrder, connectors: Iterable[Connector] | None = None, **fields) -> WorkOrder:
    """Staff's edit of a work order's plain fields (not its status: start, complete and
    cancel do that). A planned order that gets a visit time becomes scheduled, a scheduled
    one that loses it planned again. Raises ValidationError as `work_order_create` does,
    and for a field that is not editable."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(_("Not editable here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(work_order, name, value)
    connectors = list(work_order.connectors.all() if connectors is None else connectors)
    work_order_validate(
        station=work_order.station,
        connectors=connectors,
        scheduled_start=work_order.scheduled_start,
        scheduled_end=work_order.scheduled_end,
    )
    if work_order.status in (WorkOrder.Status.PLANNED, WorkOrder.Status.SCHEDULED):
        scheduled = work_order.scheduled_start is not None
        work_order.status = WorkOrder.Status.SCHEDULED if scheduled else WorkOrder.Status.PLANNED
    with transaction.atomic():
        work_order.save()
        work_order.connectors.set(connectors)
    return work_order


def repair_for_confirmed_incident(incident: Incident) -> None:
    """Registered with incidents (stations/receivers.py): a fault that outlived the debounce
    window needs hands on site; an outage may be the network and a minor error code may
    clear by itself, so those wait for staff."""
    if incident.cause in incident_services.REPAIR_CAUSES and incident.severity >= Incident.Severity.MAJOR:
        work_order_for_incident(incident=incident)


def work_order_for_incident(
    *, incident: Incident, connector: Connector | None = None, now: datetime | None = None
) -> WorkOrder:
    """The open corrective work order of the incident's station, created if there is none,
    so that one fault reported five times yields one repair job."""
    now = now or timezone.now()
    existing = (
        WorkOrder.objects.filter(
            station_id=incident.station_id, kind=WorkOrder.Kind.CORRECTIVE, status__in=WorkOrder.OPEN_STATUSES
        )
        .order_by("created_at")
        .first()
    )
    if existing is not None:
        if connector is not None and existing.connectors.exists():
            existing.connectors.add(connector)
        return existing
    return work_order_create(
        station=incident.station,
        kind=WorkOrder.Kind.CORRECTIVE,
        title=f"Repair: {incident.get_cause_display()} at {incident.station.identity}",
        description=incident.summary,
        due_date=(now + timedelta(days=2)).date(),
        connectors=[connector] if connector else [],
        incident=incident,
    )


def work_order_schedule(
    *, work_order: WorkOrder, start: datetime, end: datetime, assignee=None, contractor: str | None = None
) -> WorkOrder:
    """Book the visit. Raises ValidationError for a closed work order or end <= start."""
    if end <= start:
        raise ValidationError({"scheduled_end": _("The visit must end after it starts.")})
    updated = WorkOrder.objects.filter(
        pk=work_order.pk, status__in=[WorkOrder.Status.PLANNED, WorkOrder.Status.SCHEDULED]
    ).update(
        status=WorkOrder.Status.SCHEDULED,
        scheduled_start=start,
        scheduled_end=end,
        assignee=assignee or work_order.assignee,
        contractor=work_order.contractor if contractor is None else contractor,
    )
    if not updated:
        raise ValidationError(_("Only a planned or scheduled work order can be (re)scheduled."))
    work_order.refresh_from_db()
    return work_order


def work_order_start(*, work_order: WorkOrder, user=None, now: datetime | None = None) -> WorkOrder:
    """Start work: status in progress (drivers' reports follow: "being repaired") and, if the
    order says so, ChangeAvailability Inoperative for its connectors (the whole station
    when none are listed). Starting a started order changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = WorkOrder.objects.filter(
            pk=work_order.pk, status__in=[WorkOrder.Status.PLANNED, WorkOrder.Status.SCHEDULED]
        ).update(status=WorkOrder.Status.IN_PROGRESS, started_at=now)
        work_order.refresh_from_db()
        if updated:
            _status_changed(work_order=work_order, now=now)
        if updated and work_order.set_inoperative:
            _availability_send(work_order=work_order, direction=AvailabilityChange.Direction.INOPERATIVE, user=user)
    return work_order


def work_order_complete(
    *,
    work_order: WorkOrder,
    user=None,
    notes: str = "",
    time_spent_minutes: int | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """Finish the work: status done, connectors back to Operative, the driver reports and
    the incident behind it resolved. Completing a finished order changes nothing."""
    return _work_order_close(
        work_order=work_order,
        status=WorkOrder.Status.DONE,
        user=user,
        notes=notes,
        time_spent_minutes=time_spent_minutes,
        now=now or timezone.now(),
    )


def work_order_cancel(*, work_order: WorkOrder, user=None, notes: str = "", now: datetime | None = None) -> WorkOrder:
    """Cancel; connectors taken out of service go back to Operative."""
    return _work_order_close(
        work_order=work_order,
        status=WorkOrder.Status.CANCELLED,
        user=user,
        notes=notes,
        time_spent_minutes=None,
        now=now or timezone.now(),
    )


def _work_order_close(*, work_order, status, user, notes, time_spent_minutes, now) -> WorkOrder:
    with transaction.atomic():
        fields = {"status": status, "completed_at": now}
        if time_spent_minutes is not None:
            fields["time_spent_minutes"] = time_spent_minutes
        updated = WorkOrder.objects.filter(pk=work_order.pk, status__in=WorkOrder.OPEN_STATUSES).update(**fields)
        work_order.refresh_from_db()
        if not updated:
            return work_order
        if notes:
            work_order.notes = f"{work_order.notes}\n{notes}".strip()
            work_order.save(update_fields=["notes"])
        _availability_send(work_order=work_order, direction=AvailabilityChange.Direction.OPERATIVE, user=user)
        if status == WorkOrder.Status.DONE:
            _resolve_what_it_fixed(work_order=work_order, user=user, now=now)
    return work_order


def _status_changed(*, work_order: WorkOrder, now: datetime) -> None:
    # Sent inside the transaction, not on commit: the drivers' reports it fixes change
    # together with the work order (their receiver only writes rows).
    signals.work_order_status_changed.send(
        sender=WorkOrder, work_order_id=work_order.pk, status=work_order.status, at=now
    )


def _resolve_what_it_fixed(*, work_order: WorkOrder, user, now: datetime) -> None:
    _status_changed(work_order=work_order, now=now)
    driver_reports = Incident.objects.filter(
        station_id=work_order.station_id, cause=Incident.Cause.DRIVER_REPORT, status__in=Incident.ACTIVE_STATUSES
    )
    for incident in driver_reports:
        incident_services.incident_resolve(incident=incident, user=user, resolution=f"Repaired in WO-{work_order.pk}")


def _availability_send(*, work_order: WorkOrder, direction: str, user) -> None:
    if direction == AvailabilityChange.Direction.INOPERATIVE:
        numbers = list(work_order.connectors.values_list("connector_id", flat=True)) or [0]
    else:
        # Only give back what this work order took.
        numbers = list(
            work_order.availability_changes.filter(direction=AvailabilityChange.Direction.INOPERATIVE).values_list(
                "connector_number", flat=True
            )
        )
    for number in numbers:
        change, created = AvailabilityChange.objects.get_or_create(
            work_order=work_order, connector_number=number, direction=direction
        )
        if not created:
            continue
        change.command = command_request(
            station=work_order.station,
            action=CommandRequest.Action.SET_AVAILABILITY,
            parameters={"connector": number, "operative": direction == AvailabilityChange.Direction.OPERATIVE},
            requested_by=user,
            source=CommandRequest.Source.ADMIN if user else CommandRequest.Source.TASK,
        )
        change.save(update_fields=["command"])


def work_order_checklist_tick(
    *, item: WorkOrderChecklistItem, done: bool, now: datetime | None = None
) -> WorkOrderChecklistItem:
    item.done = done
    item.done_at = (now or timezone.now()) if done else None
    item.save(update_fields=["done", "done_at"])
    return item


def work_order_part_add(
    *, work_order: WorkOrder, name: str, quantity: int = 1, part_number: str = "", unit_cost=0, currency: str = "EUR"
) -> WorkOrderPart:
    if quantity < 1:
        raise ValidationError({"quantity": _("At least one.")})
    return WorkOrderPart.objects.create(
        work_order=work_order,
        name=name,
        quantity=quantity,
        part_number=part_number,
        unit_cost=unit_cost,
        currency=currency,
    )


# --- Preventive planning -----------------------------------------------------------------


def plan_stations(*, plan: MaintenancePlan):
    stations = ChargingStation.objects.all()
    if plan.site_id:
        stations = stations.filter(site_id=plan.site_id)
    if plan.station_vendor:
        stations = stations.filter(vendor__iexact=plan.station_vendor)
    if plan.station_model:
        stations = stations.filter(model__iexact=plan.station_model)
    return stations


def work_orders_plan_due(*, now: datetime) -> list[int]:
    """For every active plan and station it covers, create the next service visit once it
    is due within the plan's lead time (calendar) or its usage reached usage_lead_percent
    of N sessions / N Wh since the last visit. Returns the ids created; running twice
    creates nothing more (one open visit per plan and station)."""
    created = []
    for plan in MaintenancePlan.objects.filter(is_active=True):
        busy = set(
            WorkOrder.objects.filter(plan=plan, status__in=WorkOrder.OPEN_STATUSES).values_list("station_id", flat=True)
        )
        for station in plan_stations(plan=plan).exclude(pk__in=busy):
            due_date = _plan_due_date(plan=plan, station=station, now=now)
            if due_date is None:
                continue
            try:
                with transaction.atomic():
                    work_order = work_order_create(
                        station=station,
                        kind=WorkOrder.Kind.PREVENTIVE,
                        title=f"{plan.name}: {station.identity}",
                        due_date=due_date,
                        plan=plan,
                        assignee=plan.assignee,
                        contractor=plan.contractor,
                        checklist=plan.checklist or [],
                    )
            except IntegrityError:
                continue  # another planner created it a moment ago
            created.append(work_order.pk)
    return created


def _plan_due_date(*, plan: MaintenancePlan, station: ChargingStation, now: datetime) -> date | None:
    last_visit = (
        WorkOrder.objects.filter(plan=plan, station=station, status=WorkOrder.Status.DONE)
        .order_by("-completed_at")
        .first()
    )
    if last_visit is not None and last_visit.completed_at:
        anchor = last_visit.completed_at
    else:
        in_service = (
            datetime.combine(station.commissioned_on, time.min, tzinfo=now.tzinfo)
            if station.commissioned_on
            else station.created_at
        )
        # A plan counts from its own creation for stations it has never visited: a new
        # plan makes the first visits due one interval on, not the whole fleet overdue
        # since commissioning on day one.
        anchor = max(in_service, plan.created_at)
    candidates = []
    if plan.every_days:
        due = (anchor + timedelta(days=plan.every_days)).date()
        if now.date() >= due - timedelta(days=plan.lead_days):
            candidates.append(due)
    if plan.every_sessions or plan.every_energy_wh:
        usage = ChargingSession.objects.filter(station=station, started_at__gte=anchor).aggregate(
            energy=Sum("energy_wh")
        )
        sessions = ChargingSession.objects.filter(station=station, started_at__gte=anchor).count()
        share = plan.usage_lead_percent / 100
        reached = (plan.every_sessions and sessions >= plan.every_sessions * share) or (
            plan.every_energy_wh and (usage["energy"] or 0) >= plan.every_energy_wh * share
        )
        if reached:
            candidates.append(now.date() + timedelta(days=plan.lead_days))
    return min(candidates) if candidates else None


def work_orders_alert_overdue(*, now: datetime) -> list[int]:
    """Alert the on-call contacts, once per work order, about open work orders past their
    due date (one message per operator). Returns the ids alerted."""
    overdue = WorkOrder.objects.filter(
        status__in=WorkOrder.OPEN_STATUSES, due_date__lt=now.date(), overdue_alerted_at__isnull=True
    ).select_related("station__site__operator", "station__agreement__operator")
    by_operator: dict = {}
    for work_order in overdue:
        if WorkOrder.objects.filter(pk=work_order.pk, overdue_alerted_at__isnull=True).update(overdue_alerted_at=now):
            by_operator.setdefault(work_order.station.operator, []).append(work_order)
    alerted = []
    for operator, work_orders in by_operator.items():
        lines = "\n".join(f"WO-{w.pk} {w.title} — due {w.due_date}, {w.get_status_display()}" for w in work_orders)
        notifications.notification_queue(
            organisation=operator,
            kind=Notification.Kind.OVERDUE,
            subject=f"[EV ops] {len(work_orders)} work order(s) overdue",
            body=lines + "\n",
            payload={
                "event": "work_orders.overdue",
                "work_orders": [
                    {"id": w.pk, "title": w.title, "due_date": w.due_date.isoformat()} for w in work_orders
                ],
            },
            now=now,
        )
        alerted += [w.pk for w in work_orders]
    return alerted


def work_orders_close_cleared(*, now: datetime) -> list[int]:
    """Cancel corrective work orders nobody has started whose fault cleared by itself:
    their incident resolved automatically more than OPS_FLAP_SECONDS ago (so a flapping
    fault keeps its job) and the station has no active fault or driver report left.
    Returns the ids cancelled; running twice cancels nothing more."""
    settled = now - timedelta(seconds=settings.OPS_FLAP_SECONDS)
    candidates = WorkOrder.objects.filter(
        kind=WorkOrder.Kind.CORRECTIVE,
        status__in=[WorkOrder.Status.PLANNED, WorkOrder.Status.SCHEDULED],
        started_at__isnull=True,
        incident__cause__in=incident_services.REPAIR_CAUSES,
        incident__status=Incident.Status.RESOLVED,
        incident__resolved_by__isnull=True,
        incident__resolved_at__lte=settled,
    ).select_related("incident")
    cancelled = []
    for work_order in candidates:
        still_failing = Incident.objects.filter(
            station_id=work_order.station_id,
            cause__in=[*incident_services.REPAIR_CAUSES, Incident.Cause.DRIVER_REPORT],
            status__in=Incident.ACTIVE_STATUSES,
        ).exists()
        if still_failing:
            continue
        closed = work_order_cancel(
            work_order=work_order,
            notes=f"Cancelled: the fault cleared by itself at {work_order.incident.resolved_at:%Y-%m-%d %H:%M} UTC.",
            now=now,
        )
        if closed.status == WorkOrder.Status.CANCELLED:
            cancelled.append(work_order.pk)
    return cancelled
