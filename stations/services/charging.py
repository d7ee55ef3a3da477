"""Starting and stopping a charge: the one rule every door applies.

Every door (portal, REST API, ops dashboard, admin command form, `manage.py ocpp_send`, and
the coming OCPI and OCPP 2.0.1 doors) starts a charge through drivers' `charge_start` (it
adds the token and account checks to `charge_station_check` here) and stops one through
`charge_stop`. A refusal is a `ChargeRefused` with a stable `code` and a message in the
driver's words; each door presents it in its own format (a portal message, an API 409
carrying the code, an admin form error, a non-zero exit of `ocpp_send`), so the same bad
state gets the same refusal whichever door it came through.

Stations cannot import drivers, so the ops dashboard starts through
`charge_start_by_id_tag`, which calls the starter drivers registers at start-up."""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stations.models import ChargePointStatus, ChargingSession, ChargingStation, CommandRequest, RegistrationStatus
from stations.services.commands import command_request


class Refusal:
    """The codes of ChargeRefused: stable, machine-readable, the same at every door."""

    ACCOUNT_UNVERIFIED = "account_unverified"
    ACCOUNT_INACTIVE = "account_inactive"
    PAYMENT_BLOCKED = "payment_blocked"
    TOKEN_UNKNOWN = "token_unknown"  # noqa: S105 - a refusal code, not a secret
    TOKEN_BLOCKED = "token_blocked"  # noqa: S105 - a refusal code, not a secret
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a refusal code, not a secret
    TOKEN_IN_USE = "token_in_use"  # noqa: S105 - a refusal code, not a secret
    STATION_NOT_ACCEPTED = "station_not_accepted"
    STATION_OFFLINE = "station_offline"
    CONNECTOR_UNKNOWN = "connector_unknown"
    CONNECTOR_UNAVAILABLE = "connector_unavailable"
    CONNECTOR_BUSY = "connector_busy"
    SESSION_UNKNOWN = "session_unknown"
    SESSION_ENDED = "session_ended"


MESSAGES = {
    Refusal.ACCOUNT_UNVERIFIED: _("Please confirm your e-mail address before charging."),
    Refusal.ACCOUNT_INACTIVE: _("Your account cannot charge right now. Please contact support."),
    Refusal.PAYMENT_BLOCKED: _("Charging is blocked until a payment is settled."),
    Refusal.TOKEN_UNKNOWN: _("This token is not known here."),
    Refusal.TOKEN_BLOCKED: _("This token is blocked."),
    Refusal.TOKEN_EXPIRED: _("This token has expired."),
    Refusal.TOKEN_IN_USE: _("This token is already charging in another session."),
    # OCPP 1.6 §4.2: a charger that is not Accepted may not be sent RemoteStart/Stop.
    Refusal.STATION_NOT_ACCEPTED: _("This charger is not in service yet. Please try another one."),
    Refusal.STATION_OFFLINE: _("This charger is offline right now. Please try another one."),
    Refusal.CONNECTOR_UNKNOWN: _("This charger has no such connector."),
    Refusal.CONNECTOR_UNAVAILABLE: _("This connector is out of service right now. Please try another one."),
    Refusal.CONNECTOR_BUSY: _("This connector is in use right now. Please try another one."),
    Refusal.SESSION_UNKNOWN: _("There is no such session at this charger."),
    Refusal.SESSION_ENDED: _("This session has already ended."),
}


class ChargeRefused(Exception):
    """The charge rule will not ask the charger: `code` (a Refusal) says why for machines,
    `message` for people (billing's own words for a payment block)."""

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = str(message or MESSAGES[code])
        super().__init__(self.message)


# A connector in these states has a car on it; in these it cannot charge at all.
BUSY_STATUSES = (
    ChargePointStatus.CHARGING,
    ChargePointStatus.SUSPENDED_EV,
    ChargePointStatus.SUSPENDED_EVSE,
    ChargePointStatus.FINISHING,
)
OUT_OF_SERVICE_STATUSES = (ChargePointStatus.UNAVAILABLE, ChargePointStatus.FAULTED)


def charge_station_check(*, station: ChargingStation, connector_number: int) -> None:
    """The station's half of the start rule: the station is Accepted and connected, the
    connector exists, is in service and has no session. Raises ChargeRefused."""
    _station_check(station)
    connector = station.connectors.filter(connector_id=connector_number).first()
    if connector is None:
        raise ChargeRefused(Refusal.CONNECTOR_UNKNOWN)
    if connector.status in OUT_OF_SERVICE_STATUSES:
        raise ChargeRefused(Refusal.CONNECTOR_UNAVAILABLE)
    running = ChargingSession.objects.filter(
        station=station, connector_number=connector_number, status=ChargingSession.Status.ACTIVE
    )
    if connector.status in BUSY_STATUSES or running.exists():
        raise ChargeRefused(Refusal.CONNECTOR_BUSY)


def _station_check(station: ChargingStation) -> None:
    if station.registration_status != RegistrationStatus.ACCEPTED:
        raise ChargeRefused(Refusal.STATION_NOT_ACCEPTED)
    if not station.is_connected:
        raise ChargeRefused(Refusal.STATION_OFFLINE)


def charge_command_ttl() -> int:
    """Seconds a start or stop waits for its charger (CHARGE_COMMAND_TTL_SECONDS)."""
    return settings.CHARGE_COMMAND_TTL_SECONDS


@transaction.atomic
def charge_stop(*, session: ChargingSession, requested_by=None, source: str) -> CommandRequest:
    """Queue a stop for a running session. The caller has checked that the session is
    theirs to stop. The session row is locked, so a stop racing the charger's own
    StopTransaction either sees the session running or refuses. Raises ChargeRefused
    (session ended, station not Accepted or offline)."""
    session = ChargingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ChargingSession.Status.ACTIVE:
        raise ChargeRefused(Refusal.SESSION_ENDED)
    _station_check(session.station)
    return command_request(
        station=session.station,
        action=CommandRequest.Action.STOP,
        parameters={"session": session.pk},
        requested_by=requested_by,
        source=source,
        ttl_seconds=charge_command_ttl(),
    )


Starter = Callable[..., CommandRequest]
_starter: Starter | None = None


def charge_starter_register(starter: Starter) -> None:
    """Called by drivers at start-up with its `charge_start`."""
    global _starter
    _starter = starter


def charge_start_by_id_tag(
    *, station: ChargingStation, connector_number: int, id_tag: str, requested_by=None, source: str
) -> CommandRequest:
    """Start a charge for `id_tag` through the registered rule (drivers' charge_start), for
    the doors that live in stations. Raises ChargeRefused."""
    if _starter is None:
        raise RuntimeError("No charge starter registered: is the drivers app installed?")
    return _starter(
        station=station, connector_number=connector_number, id_tag=id_tag, requested_by=requested_by, source=source
    )
