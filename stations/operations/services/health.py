"""Station liveness and stuck sessions.

Offline detection: a station that has sent nothing for OPS_OFFLINE_HEARTBEATS × its
heartbeat interval is marked offline (an `Offline` StatusChange on connector 0 and a
pending `offline` incident) from the moment it stopped serving (see offline_since); hearing from it again, or a reconnect, marks it online. The
incident's debounce window makes a short flap raise nothing.

Stuck sessions: an active session with no meter value or status for
OPS_STUCK_SESSION_IDLE_MINUTES, or running longer than OPS_SESSION_MAX_HOURS, opens a
`stuck_session` incident; staff soft-close it (billed on its last meter value) or send
RemoteStopTransaction, both audited as SessionIntervention rows."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from stations import live
from stations.models import (
    ChargingSession,
    ChargingStation,
    CommandRequest,
    Incident,
    SessionIntervention,
    StatusChange,
)
from stations.operations.services import incidents as incident_services
from stations.services import sessions as session_services
from stations.services.charging import charge_start_by_id_tag, charge_stop
from stations.services.commands import command_request

OFFLINE = "Offline"
ONLINE = "Online"
CONNECTIVITY_STATUSES = (OFFLINE, ONLINE)


def offline_allowance(*, station: ChargingStation) -> timedelta:
    interval = station.heartbeat_interval or settings.OCPP_HEARTBEAT_INTERVAL
    return timedelta(seconds=interval * settings.OPS_OFFLINE_HEARTBEATS)


def offline_since(*, station: ChargingStation) -> datetime:
    """When a station judged silent stopped serving: its socket's close if that came after
    its last message, else the first heartbeat it missed. The allowance of several
    heartbeats only decides *whether* it is offline; its outage starts here, not when the
    allowance ran out."""
    if station.disconnected_at and station.disconnected_at >= station.last_seen_at:
        return station.disconnected_at
    interval = station.heartbeat_interval or settings.OCPP_HEARTBEAT_INTERVAL
    return station.last_seen_at + timedelta(seconds=interval)


def stations_offline_sweep(*, now: datetime) -> dict[str, list[int]]:
    """Mark silent stations offline and stations heard from again online, judged by
    last_seen_at against our own Offline/Online history (the gateway's is_online flag
    follows the socket, which drops and comes back more often than a station fails).
    Returns {"offline": [ids], "online": [ids]} of the stations whose state changed."""
    intervals = ChargingStation.objects.exclude(heartbeat_interval=None).values_list("heartbeat_interval", flat=True)
    shortest = min([settings.OCPP_HEARTBEAT_INTERVAL, *intervals])
    earliest_possible = now - timedelta(seconds=shortest * settings.OPS_OFFLINE_HEARTBEATS)
    stations = ChargingStation.objects.filter(last_seen_at__isnull=False).annotate(
        connectivity=Subquery(_last_connectivity_rows().values("status")[:1]),
        connectivity_at=Subquery(_last_connectivity_rows().values("received_at")[:1]),
    )
    changed: dict[str, list[int]] = {"offline": [], "online": []}
    silent = stations.filter(Q(connectivity__isnull=True) | Q(connectivity=ONLINE), last_seen_at__lte=earliest_possible)
    for station in silent:
        if station.last_seen_at + offline_allowance(station=station) <= now and station_offline_mark(
            station_id=station.pk, at=offline_since(station=station)
        ):
            changed["offline"].append(station.pk)
    for station in stations.filter(connectivity=OFFLINE, last_seen_at__gt=F("connectivity_at")):
        is_heard = station.last_seen_at + offline_allowance(station=station) > now
        if is_heard and station_online_mark(station_id=station.pk, at=station.last_seen_at):
            changed["online"].append(station.pk)
    return changed


def _last_connectivity_rows():
    return StatusChange.objects.filter(
        station_id=OuterRef("pk"), connector_number=0, status__in=CONNECTIVITY_STATUSES
    ).order_by("-received_at", "-id")


def _last_connectivity(station_id: int) -> str | None:
    last = (
        StatusChange.objects.filter(station_id=station_id, connector_number=0, status__in=CONNECTIVITY_STATUSES)
        .order_by("-received_at", "-id")
        .first()
    )
    return last.status if last else None


def station_offline_mark(*, station_id: int, at: datetime) -> bool:
    """Record the station offline from `at`. Returns True if this call changed anything;
    marking an offline station offline again does nothing."""
    with transaction.atomic():
        station = ChargingStation.objects.select_for_update().get(pk=station_id)
        ChargingStation.objects.filter(pk=station_id).update(is_online=False)
        if _last_connectivity(station_id) == OFFLINE:
            return False
        StatusChange.objects.create(station=station, connector_number=0, status=OFFLINE, received_at=at)
        incident_services.incident_observe(
            station_id=station_id,
            connector_number=0,
            cause=Incident.Cause.OFFLINE,
            severity=Incident.Severity.CRITICAL,
            at=at,
            summary=f"No message since {station.last_seen_at:%Y-%m-%d %H:%M:%S} UTC"
            if station.last_seen_at
            else "Never heard from",
        )
        _publish_online(station_id=station_id, online=False, at=at)
    return True


def station_online_mark(*, station_id: int, at: datetime) -> bool:
    """Record the station online from `at` and close its offline incident (dismissed if
    it was still within the debounce window). Returns True if this call changed anything."""
    with transaction.atomic():
        station = ChargingStation.objects.select_for_update().get(pk=station_id)
        was_offline = _last_connectivity(station_id) == OFFLINE
        if was_offline:
            StatusChange.objects.create(station=station, connector_number=0, status=ONLINE, received_at=at)
        cleared = incident_services.incident_clear(
            station_id=station_id, connector_number=0, cause=Incident.Cause.OFFLINE, at=at, resolution="Back online"
        )
        if was_offline:
            _publish_online(station_id=station_id, online=True, at=at)
    return was_offline or cleared is not None


def station_connection_record(*, station_id: int, connected: bool, at: datetime) -> bool:
    """A (re)connect marks the station online at once. A disconnect alone does not mark
    it offline: chargers drop sockets briefly and the silence rule decides."""
    if connected:
        return station_online_mark(station_id=station_id, at=at)
    return False


def _publish_online(*, station_id: int, online: bool, at: datetime) -> None:
    live.publish(
        groups=[live.NETWORK_GROUP],
        event={"kind": "station_online", "station_id": station_id, "online": online, "at": at.isoformat()},
    )


# --- Stuck sessions ------------------------------------------------------------------------


def session_last_activity(*, session: ChargingSession) -> datetime:
    moments = [session.started_at, session.start_received_at, session.last_meter_at]
    if session.connector_id and session.connector.status_updated_at:
        moments.append(session.connector.status_updated_at)
    return max(m for m in moments if m is not None)


def stuck_sessions_sweep(*, now: datetime) -> list[int]:
    """Flag active sessions that went quiet or ran too long; clear the flag of sessions that
    ended or came back to life. Returns the ids of sessions flagged now."""
    idle_limit = now - timedelta(minutes=settings.OPS_STUCK_SESSION_IDLE_MINUTES)
    age_limit = now - timedelta(hours=settings.OPS_SESSION_MAX_HOURS)
    flagged = []
    active = ChargingSession.objects.filter(status=ChargingSession.Status.ACTIVE).select_related("connector")
    for session in active:
        reason = None
        if session.started_at < age_limit:
            reason = f"running for more than {settings.OPS_SESSION_MAX_HOURS} h"
        elif session_last_activity(session=session) < idle_limit:
            reason = f"no meter value or status for {settings.OPS_STUCK_SESSION_IDLE_MINUTES} min"
        if reason:
            incident_services.incident_observe(
                station_id=session.station_id,
                connector_number=session.connector_number,
                cause=Incident.Cause.STUCK_SESSION,
                severity=Incident.Severity.MINOR,
                at=now,
                summary=f"Session {session.pk}: {reason}",
                details={"session_id": session.pk},
                confirm_immediately=True,
            )
            flagged.append(session.pk)
    for incident in Incident.objects.filter(cause=Incident.Cause.STUCK_SESSION, status__in=Incident.ACTIVE_STATUSES):
        session_id = incident.details.get("session_id")
        if session_id not in flagged:
            stuck_session_clear(session_id=session_id, now=now)
    return flagged


def stuck_session_clear(*, session_id: int, now: datetime) -> Incident | None:
    """Close the stuck-session incident of a session that ended or moved again."""
    session = ChargingSession.objects.filter(pk=session_id).first()
    if session is None:
        return None
    incident = Incident.objects.filter(
        station_id=session.station_id,
        connector_number=session.connector_number,
        cause=Incident.Cause.STUCK_SESSION,
        status__in=Incident.ACTIVE_STATUSES,
        details__session_id=session_id,
    ).first()
    if incident is None:
        return None
    return incident_services.incident_clear(
        station_id=session.station_id,
        connector_number=session.connector_number,
        cause=Incident.Cause.STUCK_SESSION,
        at=now,
        resolution="Session ended" if session.status != ChargingSession.Status.ACTIVE else "Session active again",
    )


def session_soft_close(
    *, session: ChargingSession, user, reason: str, now: datetime | None = None
) -> SessionIntervention:
    """Close a stuck session without the charger, billed on its last known meter value:
    the gateway's session_stop service does the stop (and billing prices it on its
    session_stopped signal). Audited. Raises ValidationError for a session that is not
    active or an empty reason; nothing is written then."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": "Say why the session is closed by hand."})
    with transaction.atomic():
        session = ChargingSession.objects.select_for_update().get(pk=session.pk)
        if session.status != ChargingSession.Status.ACTIVE:
            raise ValidationError("Only an active session can be soft-closed.")
        meter_stop_wh = session.last_meter_wh if session.last_meter_wh is not None else session.meter_start_wh
        stopped_at = session.last_meter_at or session.started_at
        session_services.session_stop(
            station_id=session.station_id,
            transaction_id=session.pk,
            meter_stop_wh=meter_stop_wh,
            stopped_at=stopped_at,
            received_at=now,
            reason="SoftClose",
        )
        intervention = SessionIntervention.objects.create(
            session=session,
            action=SessionIntervention.Action.SOFT_CLOSE,
            performed_by=user,
            reason=reason.strip()[:255],
            meter_stop_wh=meter_stop_wh,
        )
        stuck_session_clear(session_id=session.pk, now=now)
    return intervention


def session_remote_stop(*, session: ChargingSession, user, reason: str) -> SessionIntervention:
    """Ask the charger to stop the session through the charge rule (`charge_stop`). Audited.
    Raises ChargeRefused (session ended, charger not Accepted or offline)."""
    with transaction.atomic():
        command = charge_stop(session=session, requested_by=user, source=CommandRequest.Source.ADMIN)
        return SessionIntervention.objects.create(
            session=session,
            action=SessionIntervention.Action.REMOTE_STOP,
            performed_by=user,
            reason=reason.strip()[:255] or "RemoteStop",
            command=command,
        )


# --- Dashboard commands --------------------------------------------------------------------

STATION_COMMANDS = {
    "reset_soft": (CommandRequest.Action.RESET, lambda n: {"type": "soft"}),
    "reset_hard": (CommandRequest.Action.RESET, lambda n: {"type": "hard"}),
    "unlock": (CommandRequest.Action.UNLOCK, lambda n: {"connector": n}),
    "operative": (CommandRequest.Action.SET_AVAILABILITY, lambda n: {"connector": n, "operative": True}),
    "inoperative": (CommandRequest.Action.SET_AVAILABILITY, lambda n: {"connector": n, "operative": False}),
    "trigger_status": (CommandRequest.Action.TRIGGER_MESSAGE, lambda n: {"message": "status_notification"}),
    "get_configuration": (CommandRequest.Action.GET_CONFIGURATION, lambda n: {}),
    "clear_cache": (CommandRequest.Action.CLEAR_CACHE, lambda n: {}),
}


def station_command_send(
    *, station: ChargingStation, kind: str, connector_number: int = 0, id_tag: str = "", user=None
):
    """Queue one of the dashboard's commands and return the CommandRequest;
    the result reaches the page as a "command" push. `start` charges `id_tag` on the
    connector through the charge rule. Raises ValidationError for an unknown kind or
    connector (unlock needs a real connector), ChargeRefused for a start the rule refuses."""
    if kind == "start":
        return charge_start_by_id_tag(
            station=station,
            connector_number=connector_number,
            id_tag=id_tag.strip(),
            requested_by=user,
            source=CommandRequest.Source.ADMIN,
        )
    if kind not in STATION_COMMANDS:
        raise ValidationError({"kind": f"Unknown command {kind!r}."})
    known = set(station.connectors.values_list("connector_id", flat=True)) | ({0} if kind != "unlock" else set())
    if connector_number not in known:
        raise ValidationError({"connector": f"Station {station.identity} has no connector {connector_number}."})
    action, parameters = STATION_COMMANDS[kind]
    return command_request(
        station=station,
        action=action,
        parameters=parameters(connector_number),
        requested_by=user,
        source=CommandRequest.Source.ADMIN,
    )
