"""Load management's reactions to the domain signals (imported by stations/receivers.py).
Each enqueues one task when the station is at a site under load management; the check
is one indexed query, so sites without it cost no broker round trip."""

from django.dispatch import receiver

from stations import signals
from stations.load_management import tasks
from stations.load_management.models import SiteLoadPolicy
from stations.models import ChargePointStatus, CommandRequest

# Status changes that move a connector's draw (a session starts or stops drawing).
DRAWING = {ChargePointStatus.CHARGING, ChargePointStatus.SUSPENDED_EV, ChargePointStatus.SUSPENDED_EVSE}
LIMIT_ACTIONS = {CommandRequest.Action.SET_CHARGING_LIMIT}


def _managed(station_id: int) -> bool:
    return SiteLoadPolicy.objects.filter(site__stations=station_id, enabled=True).exists()


def _session_managed(session_id: int) -> bool:
    return SiteLoadPolicy.objects.filter(site__stations__sessions=session_id, enabled=True).exists()


@receiver(signals.session_started, dispatch_uid="load.session_started")
def on_session_started(sender, *, session_id, **kwargs) -> None:
    if _session_managed(session_id):
        tasks.session_site_rebalance.delay(session_id)


@receiver(signals.session_stopped, dispatch_uid="load.session_stopped")
def on_session_stopped(sender, *, session_id, **kwargs) -> None:
    if _session_managed(session_id):
        tasks.session_site_rebalance.delay(session_id)


@receiver(signals.connector_status_changed, dispatch_uid="load.connector_status_changed")
def on_connector_status_changed(sender, *, station_id, connector_number, status, previous_status=None, **kwargs):
    moved = connector_number and status != previous_status and (status in DRAWING or previous_status in DRAWING)
    if moved and _managed(station_id):
        tasks.station_site_rebalance.delay(station_id)


@receiver(signals.session_draw_changed, dispatch_uid="load.session_draw_changed")
def on_session_draw_changed(sender, *, session_id, station_id, **kwargs) -> None:
    if _managed(station_id):
        tasks.session_site_rebalance.delay(session_id)


@receiver(signals.station_connection_changed, dispatch_uid="load.station_connection_changed")
def on_station_connection_changed(sender, *, station_id, connected, **kwargs) -> None:
    if connected and _managed(station_id):
        tasks.station_fail_safe_send.delay(station_id)


@receiver(signals.command_finished, dispatch_uid="load.command_finished")
def on_command_finished(sender, *, command_id, action, **kwargs) -> None:
    if action in LIMIT_ACTIONS:
        tasks.limit_result.delay(command_id)
