"""Celery tasks for operations. Each is thin: it takes ids (or nothing, for beat sweeps),
calls one service and is safe to run twice (the services are idempotent). Beat entries
live in config/celery.py; docs/operations.md lists them."""

from datetime import date, datetime, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from stations.operations.services import firmware, health, incidents, maintenance, notifications, uptime
from stations.operations.services.notifications import deliver_notification  # noqa: F401 (sent by its service)
from stations.pipeline.services import reminders

# Database hiccups (a failover, a dropped connection) are worth retrying; bugs are not.
RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


def _parse(at: str | None) -> datetime:
    return datetime.fromisoformat(at) if at else timezone.now()


# --- Health and incidents ------------------------------------------------------------------


@shared_task(**RETRY)
def detect_offline_stations() -> dict:
    return health.stations_offline_sweep(now=timezone.now())


@shared_task(**RETRY)
def confirm_incidents() -> list[int]:
    """Open incidents that outlived the debounce window, then alert about them; cancel
    repair jobs nobody started whose fault has cleared by itself."""
    confirmed = incidents.incidents_confirm_due(now=timezone.now())
    if confirmed:
        dispatch_alerts.delay()
    maintenance.work_orders_close_cleared(now=timezone.now())
    return confirmed


@shared_task(**RETRY)
def dispatch_alerts() -> list[int]:
    return notifications.alerts_dispatch(now=timezone.now())


@shared_task(**RETRY)
def retry_notifications() -> list[int]:
    return notifications.notifications_deliver_due(now=timezone.now())


@shared_task(**RETRY)
def detect_stuck_sessions() -> list[int]:
    return health.stuck_sessions_sweep(now=timezone.now())


@shared_task(**RETRY)
def record_connector_status(
    station_id: int, connector_number: int, status: str, error_code: str, at: str | None = None
) -> int | None:

    incident = incidents.status_observe(
        station_id=station_id, connector_number=connector_number, status=status, error_code=error_code, at=_parse(at)
    )
    return incident.pk if incident else None


@shared_task(**RETRY)
def record_station_connection(station_id: int, connected: bool, at: str | None = None) -> bool:
    return health.station_connection_record(station_id=station_id, connected=connected, at=_parse(at))


@shared_task(**RETRY)
def record_session_stopped(session_id: int) -> int | None:
    incident = health.stuck_session_clear(session_id=session_id, now=timezone.now())
    return incident.pk if incident else None


# --- Maintenance ---------------------------------------------------------------------------


@shared_task(**RETRY)
def plan_maintenance() -> list[int]:
    return maintenance.work_orders_plan_due(now=timezone.now())


@shared_task(**RETRY)
def alert_overdue_work_orders() -> list[int]:
    return maintenance.work_orders_alert_overdue(now=timezone.now())


# --- Uptime --------------------------------------------------------------------------------


@shared_task(**RETRY)
def compute_uptime(day: str | None = None) -> int:
    """Store uptime for `day` (ISO date), by default yesterday and today so far."""
    now = timezone.now()
    days = [date.fromisoformat(day)] if day else [(now - timedelta(days=1)).date(), now.date()]
    return sum(uptime.uptime_compute_day(day=d, now=now) for d in days)


# --- Firmware and diagnostics --------------------------------------------------------------


@shared_task(**RETRY)
def advance_firmware_campaigns() -> list[int]:
    return firmware.campaigns_advance(now=timezone.now())


@shared_task(**RETRY)
def record_firmware_status(station_id: int, status: str, at: str | None = None) -> int | None:
    target = firmware.firmware_status_record(station_id=station_id, status=status, at=_parse(at))
    return target.pk if target else None


@shared_task(**RETRY)
def record_diagnostics_status(station_id: int, status: str, at: str | None = None) -> int | None:
    request = firmware.diagnostics_status_record(station_id=station_id, status=status, at=_parse(at))
    return request.pk if request else None


# --- Site pipeline ---------------------------------------------------------------------------


@shared_task(**RETRY)
def remind_pipeline_stages() -> list[int]:
    """E-mail owners of pipeline stages due soon or overdue (once a day per stage)."""
    return reminders.pipeline_reminders_send(today=timezone.now().date())
