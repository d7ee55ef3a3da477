"""Incidents: one per station/connector and cause, de-duplicated and debounced.

A new problem starts `pending`. If it clears within settings.OPS_DEBOUNCE_SECONDS (a
flap, a boot-time transient fault) it is dismissed and nobody hears of it; if it
outlives the window, `incidents_confirm_due` opens it and the alert dispatcher tells
the on-call contacts. When the cause clears, an open incident resolves itself; if the
cause returns within OPS_FLAP_SECONDS, the same incident reopens (a flapping connector
is one incident and one alert, not one per flap)."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from stations import live
from stations.models import ChargePointStatus, Connector, Incident

FAULT_FREE_CODES = {"", "NoError"}
# A connector in one of these states with NoError is working again.
RECOVERED_STATUSES = {
    ChargePointStatus.AVAILABLE,
    ChargePointStatus.PREPARING,
    ChargePointStatus.CHARGING,
    ChargePointStatus.SUSPENDED_EV,
    ChargePointStatus.SUSPENDED_EVSE,
    ChargePointStatus.FINISHING,
    ChargePointStatus.RESERVED,
}


REPAIR_CAUSES = {Incident.Cause.CONNECTOR_FAULT, Incident.Cause.STATION_FAULT}


def incident_observe(
    *,
    station_id: int,
    connector_number: int,
    cause: str,
    severity: int,
    at: datetime,
    error_code: str = "",
    summary: str = "",
    details: dict | None = None,
    confirm_immediately: bool = False,
) -> Incident:
    """Record one occurrence of `cause` at the station/connector and return its incident.

    An active (pending or open) incident for the same key gains an occurrence, a later
    last_seen_at and the higher severity; otherwise a new one starts pending (or open with
    `confirm_immediately`, for causes a human or a long timer already vouches for).
    Concurrent callers end up on the same row (the partial unique constraint decides)."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                incident = (
                    Incident.objects.select_for_update()
                    .filter(
                        station_id=station_id,
                        connector_number=connector_number,
                        cause=cause,
                        status__in=Incident.ACTIVE_STATUSES,
                    )
                    .first()
                )
                if incident is None:
                    incident = _incident_reopen_flapping(
                        station_id=station_id, connector_number=connector_number, cause=cause, at=at
                    )
                if incident is not None:
                    _incident_repeat(incident, severity=severity, at=at, error_code=error_code, summary=summary)
                    if details:
                        incident.details = {**incident.details, **details}
                        incident.save(update_fields=["details"])
                else:
                    incident = _incident_start(
                        station_id=station_id,
                        connector_number=connector_number,
                        cause=cause,
                        severity=severity,
                        at=at,
                        error_code=error_code,
                        summary=summary,
                        details=details or {},
                        confirm_immediately=confirm_immediately,
                    )
                _publish(incident)
                return incident
        except IntegrityError:
            # Another process created the active incident between our read and insert.
            continue
    raise RuntimeError(f"could not record incident {cause} for station {station_id}#{connector_number}")


def _incident_reopen_flapping(*, station_id: int, connector_number: int, cause: str, at: datetime) -> Incident | None:
    """The same key's incident closed within OPS_FLAP_SECONDS comes back instead of a new
    one: a connector faulting every 45 s is one incident (and one e-mail, as notified_at
    stays set), and a run of short blips keeps its first_seen_at so that the debounce
    window eventually confirms it instead of dismissing each blip."""
    if not settings.OPS_FLAP_SECONDS:
        return None
    recent = (
        Incident.objects.select_for_update()
        .filter(
            station_id=station_id,
            connector_number=connector_number,
            cause=cause,
            status__in=[Incident.Status.RESOLVED, Incident.Status.DISMISSED],
            resolved_by__isnull=True,
            resolved_at__gte=at - timedelta(seconds=settings.OPS_FLAP_SECONDS),
        )
        .order_by("-resolved_at", "-pk")
        .first()
    )
    if recent is None:
        return None
    recent.status = Incident.Status.OPEN if recent.opened_at else Incident.Status.PENDING
    recent.resolved_at = None
    recent.resolution = ""
    recent.details = {**recent.details, "flapping": True, "reopened": recent.details.get("reopened", 0) + 1}
    recent.save(update_fields=["status", "resolved_at", "resolution", "details"])
    return recent


def _incident_start(*, at: datetime, confirm_immediately: bool, **fields) -> Incident:
    opened = confirm_immediately or settings.OPS_DEBOUNCE_SECONDS == 0
    return Incident.objects.create(
        **fields,
        status=Incident.Status.OPEN if opened else Incident.Status.PENDING,
        first_seen_at=at,
        last_seen_at=at,
        opened_at=at if opened else None,
    )


def _incident_repeat(incident: Incident, *, severity: int, at: datetime, error_code: str, summary: str) -> None:
    incident.occurrences += 1
    incident.last_seen_at = max(incident.last_seen_at, at)
    incident.severity = max(incident.severity, severity)
    incident.error_code = error_code or incident.error_code
    incident.summary = summary or incident.summary
    incident.save(update_fields=["occurrences", "last_seen_at", "severity", "error_code", "summary"])


def incident_clear(
    *, station_id: int, connector_number: int, cause: str, at: datetime, resolution: str
) -> Incident | None:
    """The cause is gone: dismiss a pending incident (it was a flap) or resolve an open one.
    Returns the incident it closed, or None when there was nothing active. Idempotent."""
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update()
            .filter(
                station_id=station_id,
                connector_number=connector_number,
                cause=cause,
                status__in=Incident.ACTIVE_STATUSES,
            )
            .first()
        )
        if incident is None:
            return None
        incident.status = (
            Incident.Status.DISMISSED if incident.status == Incident.Status.PENDING else Incident.Status.RESOLVED
        )
        incident.resolved_at = at
        incident.resolution = resolution
        incident.save(update_fields=["status", "resolved_at", "resolution"])
        _publish(incident)
        return incident


def incident_resolve(*, incident: Incident, user, resolution: str, now: datetime | None = None) -> Incident:
    """Staff close an incident by hand. Closing a closed incident changes nothing."""
    now = now or timezone.now()
    updated = Incident.objects.filter(pk=incident.pk, status__in=Incident.ACTIVE_STATUSES).update(
        status=Incident.Status.RESOLVED, resolved_at=now, resolved_by=user, resolution=resolution[:255]
    )
    incident.refresh_from_db()
    if updated:
        _publish(incident)
    return incident


def incidents_confirm_due(*, now: datetime) -> list[int]:
    """Open every pending incident older than the debounce window; returns their ids. A
    confirmed Faulted connector or station gets a corrective work order (joining the
    station's open one if there is one). Safe to run concurrently: each row is flipped
    by a compare-and-set update."""
    threshold = now - timedelta(seconds=settings.OPS_DEBOUNCE_SECONDS)
    due_ids = list(
        Incident.objects.filter(status=Incident.Status.PENDING, first_seen_at__lte=threshold).values_list(
            "pk", flat=True
        )
    )
    confirmed = []
    for incident_id in due_ids:
        flipped = Incident.objects.filter(pk=incident_id, status=Incident.Status.PENDING).update(
            status=Incident.Status.OPEN, opened_at=now
        )
        if flipped:
            confirmed.append(incident_id)
            incident = Incident.objects.get(pk=incident_id)
            for hook in _confirmed_hooks:
                hook(incident)
            _publish(incident)
    return confirmed


# Maintenance builds on incidents (a finished repair resolves its incident), so it is not
# imported back here: it registers what a confirmed incident needs from it at start-up
# (stations/receivers.py).
_confirmed_hooks: list[Callable[[Incident], None]] = []


def incident_confirmed_register(hook: Callable[[Incident], None]) -> None:
    """`hook(incident)` runs, inside the confirmation, for each incident that opens."""
    if hook not in _confirmed_hooks:
        _confirmed_hooks.append(hook)


def fault_cause(connector_number: int) -> str:
    return Incident.Cause.CONNECTOR_FAULT if connector_number else Incident.Cause.STATION_FAULT


def is_fault(status: str, error_code: str | None) -> bool:
    return status == ChargePointStatus.FAULTED or (error_code or "") not in FAULT_FREE_CODES


def status_observe(
    *, station_id: int, connector_number: int, status: str, error_code: str, at: datetime, info: str = ""
) -> Incident | None:
    """React to a StatusNotification: Faulted or an error code raises a fault incident for
    the connector (connector 0: the station); a working status with NoError clears it. A
    report older than the connector's current status is ignored (see _superseded)."""
    if _superseded(station_id=station_id, connector_number=connector_number, at=at):
        return None
    cause = fault_cause(connector_number)
    if is_fault(status, error_code):
        severity = Incident.Severity.MAJOR if status == ChargePointStatus.FAULTED else Incident.Severity.MINOR
        if connector_number == 0 and status == ChargePointStatus.FAULTED:
            severity = Incident.Severity.CRITICAL
        return incident_observe(
            station_id=station_id,
            connector_number=connector_number,
            cause=cause,
            severity=severity,
            at=at,
            error_code=error_code or "",
            summary=f"{status} / {error_code or 'NoError'}{f' ({info})' if info else ''}"[:255],
        )
    if status in RECOVERED_STATUSES:
        return incident_clear(
            station_id=station_id,
            connector_number=connector_number,
            cause=cause,
            at=at,
            resolution=f"Recovered: {status}",
        )
    return None


def _superseded(*, station_id: int, connector_number: int, at: datetime) -> bool:
    # Workers may run two reports of one connector out of order; the gateway has already
    # moved the connector to the newer one, whose own task decides. Acting on the older
    # report would raise a fault that has cleared, or clear one that came back.
    if connector_number == 0:
        return False
    updated_at = (
        Connector.objects.filter(station_id=station_id, connector_id=connector_number)
        .values_list("status_updated_at", flat=True)
        .first()
    )
    return updated_at is not None and updated_at > at


def _publish(incident: Incident) -> None:
    # Staff only: the network group. Station groups are public (drivers see availability).
    live.publish(
        groups=[live.NETWORK_GROUP],
        event={
            "kind": "incident",
            "incident_id": incident.pk,
            "station_id": incident.station_id,
            "connector_number": incident.connector_number,
            "cause": incident.cause,
            "severity": incident.severity,
            "status": incident.status,
            "occurrences": incident.occurrences,
            "summary": incident.summary,
            "at": incident.last_seen_at.isoformat(),
        },
    )
