"""A driver's charging sessions and the commands that started them."""

from datetime import timedelta

from django.db.models import QuerySet

from drivers.models import Driver
from stations.models import ChargingSession, CommandRequest

# The charger's StartTransaction arrives after the command was created; allow for our own
# clock being a little ahead of the database's.
START_MATCH_SLACK = timedelta(seconds=5)


def driver_sessions(*, driver: Driver) -> QuerySet[ChargingSession]:
    return (
        ChargingSession.objects.filter(token__driver=driver)
        .select_related("station__site", "connector")
        .order_by("-started_at", "-pk")
    )


def driver_session(*, driver: Driver, session_id: int) -> ChargingSession | None:
    return driver_sessions(driver=driver).filter(pk=session_id).first()


def driver_active_sessions(*, driver: Driver) -> QuerySet[ChargingSession]:
    return driver_sessions(driver=driver).filter(status=ChargingSession.Status.ACTIVE)


def driver_command(*, driver: Driver, command_id: int) -> CommandRequest | None:
    """A command this driver asked for from the portal (nobody else's)."""
    return (
        CommandRequest.objects.select_related("station__site")
        .filter(pk=command_id, requested_by=driver.user, source=CommandRequest.Source.PORTAL)
        .first()
    )


def session_started_by(*, driver: Driver, command: CommandRequest) -> ChargingSession | None:
    """The session the charger opened after this start request, if it has done so."""
    connector_id = (command.parameters or {}).get("connector")
    sessions = driver_sessions(driver=driver).filter(
        station_id=command.station_id, start_received_at__gte=command.created_at - START_MATCH_SLACK
    )
    if connector_id:
        sessions = sessions.filter(connector_number=connector_id)
    return sessions.order_by("start_received_at").first()
