"""What stations plugs in at start-up (imported by StationsConfig.ready): operations'
reactions to the gateway's domain signals (stations/signals.py), and the API's owner role.

Each receiver enqueues one task with ids and plain values (tasks are sent after commit by
the Celery app's task class); the signals are already sent after commit, so the gateway's
reply to the charger never waits for incident logic. The
tasks are idempotent, so a replayed OCPP message that sends a signal twice is harmless."""

from datetime import datetime

from django.dispatch import receiver

from config.api import roles
from stations import signals, tasks
from stations.load_management import receivers as load_receivers  # noqa: F401 (registers them)
from stations.operations.selectors.incidents import status_change_concerns_incidents
from stations.operations.services import incidents, maintenance
from stations.selectors import api_access

# A confirmed fault opens a corrective work order (maintenance builds on incidents).
incidents.incident_confirmed_register(maintenance.repair_for_confirmed_incident)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


@receiver(signals.connector_status_changed, dispatch_uid="ops.connector_status_changed")
def on_connector_status_changed(
    sender,
    *,
    station_id,
    connector_number,
    status,
    error_code,
    previous_status=None,
    previous_error_code=None,
    at=None,
    **kwargs,
) -> None:
    # Most changes are a session's Preparing → Charging → Finishing …: a broker round trip
    # for each cost the gateway 7% of its CPU (benchmark profile) and found nothing to do.
    concerns = status_change_concerns_incidents(
        station_id=station_id,
        connector_number=connector_number,
        status=status,
        error_code=error_code,
        previous_status=previous_status,
        previous_error_code=previous_error_code,
    )
    if concerns:
        tasks.record_connector_status.delay(station_id, connector_number, status, error_code or "", _iso(at))


@receiver(signals.station_connection_changed, dispatch_uid="ops.station_connection_changed")
def on_station_connection_changed(sender, *, station_id, connected, at=None, **kwargs) -> None:
    # Only a connect has something to record (online again, offline incident cleared); a
    # disconnect alone is left to the silence rule, so no task for it.
    if connected:
        tasks.record_station_connection.delay(station_id, True, _iso(at))


@receiver(signals.session_stopped, dispatch_uid="ops.session_stopped")
def on_session_stopped(sender, *, session_id, **kwargs) -> None:
    tasks.record_session_stopped.delay(session_id)


@receiver(signals.firmware_status_changed, dispatch_uid="ops.firmware_status_changed")
def on_firmware_status_changed(sender, *, station_id, status, at=None, **kwargs) -> None:
    tasks.record_firmware_status.delay(station_id, status, _iso(at))


@receiver(signals.diagnostics_status_changed, dispatch_uid="ops.diagnostics_status_changed")
def on_diagnostics_status_changed(sender, *, station_id, status, at=None, **kwargs) -> None:
    tasks.record_diagnostics_status.delay(station_id, status, _iso(at))


roles.role_register("owner", lambda user: api_access.owner_organisation_ids(user=user))
