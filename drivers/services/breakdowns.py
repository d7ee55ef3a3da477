"""Breakdown reports: a driver says a charger is broken (portal, API). The report opens or
joins the station's corrective work order (stations' maintenance) and follows its status."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drivers.models import BreakdownReport, Driver
from stations.models import ChargingStation, Connector, Incident, WorkOrder
from stations.operations.services import incidents, maintenance

DESCRIPTION_MAX_LENGTH = 2000
DUPLICATE_REPORT_WINDOW = timedelta(minutes=30)


def breakdown_report_create(
    *,
    driver: Driver,
    station: ChargingStation,
    connector: Connector | None = None,
    description: str,
    category: str = BreakdownReport.Category.OTHER,
    photo=None,
    source: str = "portal",
    now: datetime | None = None,
) -> BreakdownReport:
    """File a driver's breakdown report and attach it to the station's open corrective
    work order (creating one, and an open `driver_report` incident, if there is none).

    Idempotent for double submits: the same driver reporting the same text for the same
    station/connector within 30 minutes gets the existing report back. Raises
    ValidationError (with a field name) for an empty or overlong description, an unknown
    category or a connector of another station; nothing is written then."""
    now = now or timezone.now()
    description = (description or "").strip()
    _breakdown_validate(station=station, connector=connector, description=description, category=category)
    with transaction.atomic():
        # Serialise reports per station so that two drivers reporting at once share one work order.
        ChargingStation.objects.select_for_update().filter(pk=station.pk).first()
        duplicate = BreakdownReport.objects.filter(
            driver=driver,
            station=station,
            connector=connector,
            description=description,
            created_at__gte=now - DUPLICATE_REPORT_WINDOW,
        ).first()
        if duplicate is not None:
            return duplicate
        incident = incidents.incident_observe(
            station_id=station.pk,
            connector_number=connector.connector_id if connector else 0,
            cause=Incident.Cause.DRIVER_REPORT,
            severity=Incident.Severity.MAJOR,
            at=now,
            summary=f"{BreakdownReport.Category(category).label}: {description}"[:255],
            confirm_immediately=True,
        )
        work_order = maintenance.work_order_for_incident(incident=incident, connector=connector, now=now)
        report = BreakdownReport.objects.create(
            driver=driver,
            station=station,
            connector=connector,
            category=category,
            description=description,
            source=source,
            work_order=work_order,
        )
        if photo:
            report.photo = photo
            report.save(update_fields=["photo"])
        return report


def _breakdown_validate(*, station, connector, description: str, category: str) -> None:
    if not description:
        raise ValidationError({"description": _("Please describe what is wrong.")})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": _("At most %(n)d characters, please.") % {"n": DESCRIPTION_MAX_LENGTH}})
    if category not in BreakdownReport.Category.values:
        raise ValidationError({"category": _("Unknown category %(c)r.") % {"c": category}})
    if connector is not None and connector.station_id != station.pk:
        raise ValidationError({"connector": _("That connector belongs to another station.")})


def breakdown_reports_follow_work_order(*, work_order_id: int, status: str, at: datetime) -> int:
    """Reports attached to a work order follow it: being repaired once it starts, resolved
    once it is done. Returns how many changed; idempotent."""
    reports = BreakdownReport.objects.filter(work_order_id=work_order_id)
    if status == WorkOrder.Status.IN_PROGRESS:
        return reports.filter(status=BreakdownReport.Status.OPEN).update(status=BreakdownReport.Status.IN_PROGRESS)
    if status == WorkOrder.Status.DONE:
        return reports.exclude(status=BreakdownReport.Status.RESOLVED).update(
            status=BreakdownReport.Status.RESOLVED, resolved_at=at
        )
    return 0
