"""Reads about fault incidents that other parts ask before involving operations."""

from stations.models import Incident
from stations.operations.services.incidents import RECOVERED_STATUSES, fault_cause, is_fault


def status_change_concerns_incidents(
    *, station_id: int, connector_number: int, status: str, error_code: str, previous_status: str, previous_error_code
) -> bool:
    """Whether a connector's status change can open or close a fault incident: a fault
    starts or ends, or a working status arrives while a fault incident is still active.
    Everything else (Available → Preparing → Charging → Finishing …) concerns only the
    history the gateway already wrote, so no task needs to run for it."""
    if is_fault(status, error_code) or is_fault(previous_status, previous_error_code):
        return True
    if status not in RECOVERED_STATUSES:
        return False
    return Incident.objects.filter(
        station_id=station_id,
        connector_number=connector_number,
        cause=fault_cause(connector_number),
        status__in=Incident.ACTIVE_STATUSES,
    ).exists()
