"""The live staff dashboard's first paint; pushes over /ws/live/ keep it current."""

from decimal import Decimal

from django.db.models import Prefetch

from stations.models import ChargingSession, ChargingStation, Connector, Incident


def network_snapshot() -> dict:
    """Stations with their connectors, open incidents and sessions in progress, as plain
    JSON-ready values (the page's script renders the same shapes the push events carry)."""
    stations = ChargingStation.objects.select_related("site").prefetch_related(
        Prefetch("connectors", queryset=Connector.objects.order_by("connector_id"))
    )
    sessions = ChargingSession.objects.filter(status=ChargingSession.Status.ACTIVE).select_related("station")
    incidents = Incident.objects.filter(status=Incident.Status.OPEN).select_related("station").order_by("-severity")
    return {
        "stations": [_station(station) for station in stations],
        "sessions": [_session(session) for session in sessions],
        "incidents": [_incident(incident) for incident in incidents[:500]],
        "power_w": str(sum((s.last_power_w or Decimal(0) for s in sessions), Decimal(0))),
    }


def _station(station: ChargingStation) -> dict:
    return {
        "id": station.pk,
        "identity": station.identity,
        "site": station.site.name if station.site_id else "",
        "connected": station.is_connected,
        "online": station.is_online,
        "status": station.status,
        "error_code": station.error_code,
        "last_seen_at": station.last_seen_at.isoformat() if station.last_seen_at else None,
        "connectors": [
            {"connector_id": c.connector_id, "status": c.status, "error_code": c.error_code}
            for c in station.connectors.all()
        ],
    }


def _session(session: ChargingSession) -> dict:
    return {
        "session_id": session.pk,
        "station_id": session.station_id,
        "station": session.station.identity,
        "connector_id": session.connector_number,
        "status": session.status,
        "energy_wh": session.energy_wh,
        "power_w": str(session.last_power_w) if session.last_power_w is not None else None,
        "started_at": session.started_at.isoformat(),
    }


def _incident(incident: Incident) -> dict:
    return {
        "incident_id": incident.pk,
        "station_id": incident.station_id,
        "station": incident.station.identity,
        "connector_number": incident.connector_number,
        "cause": incident.cause,
        "severity": incident.severity,
        "status": incident.status,
        "occurrences": incident.occurrences,
        "summary": incident.summary,
        "at": incident.last_seen_at.isoformat(),
    }
