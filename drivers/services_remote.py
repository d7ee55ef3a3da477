"""Remote start and stop for API callers (drivers for themselves, staff for anyone):
RemoteStartTransaction / RemoteStopTransaction through the command outbox (contract 1).
Whether a token may charge is the same rule the charger meets at Authorize
(`drivers.selectors.token_authorization`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from drivers.models import Driver, Token
from drivers.selectors import token_authorization
from drivers.services_charging import driver_app_token
from ocpp_gateway import commands
from ocpp_gateway.models import Command
from stations.models import ChargingSession, ChargingStation, RegistrationStatus

# A remote start delivered minutes late would surprise whoever is standing at the charger.
REMOTE_COMMAND_TTL_SECONDS = 120


class RemoteActionRefused(Exception):
    """The request is well-formed but the state of things forbids it (the API answers 409)."""


@transaction.atomic
def remote_start_request(
    *, requested_by, station: ChargingStation, connector_number: int, token: Token | None = None
) -> Command:
    """Queue RemoteStartTransaction. A driver starts with their own token (their app token
    when none is given); staff must name a token. Raises ValidationError for a token or
    connector that does not fit, RemoteActionRefused when the token may not charge now or
    the charger is not connected. Each call queues a new command."""
    if not station.connectors.filter(connector_id=connector_number).exists():
        raise ValidationError({"connector": _("This station has no such connector.")})
    token = _start_token(requested_by=requested_by, token=token)
    authorization = token_authorization(id_tag=token.uid, station=station)
    if not authorization.accepted:
        raise RemoteActionRefused(_("The token may not charge now: %(reason)s.") % {"reason": authorization.reason})
    if station.registration_status != RegistrationStatus.ACCEPTED or not station.is_connected:
        raise RemoteActionRefused(_("The charger is not connected right now."))
    return commands.send(
        station=station,
        action="RemoteStartTransaction",
        payload={"connectorId": connector_number, "idTag": token.uid},
        requested_by=requested_by,
        source=Command.Source.API,
        ttl_seconds=REMOTE_COMMAND_TTL_SECONDS,
    )


@transaction.atomic
def remote_stop_request(*, requested_by, session: ChargingSession) -> Command:
    """Queue RemoteStopTransaction for a running session. Raises RemoteActionRefused when
    it has already ended. The caller has checked that the session is theirs to stop."""
    session = ChargingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ChargingSession.Status.ACTIVE:
        raise RemoteActionRefused(_("This session has already ended."))
    return commands.send(
        station=session.station,
        action="RemoteStopTransaction",
        payload={"transactionId": session.pk},
        requested_by=requested_by,
        source=Command.Source.API,
        ttl_seconds=REMOTE_COMMAND_TTL_SECONDS,
    )


def _start_token(*, requested_by, token: Token | None) -> Token:
    driver = Driver.objects.filter(user=requested_by).first()
    if requested_by.is_staff:
        if token is None and driver is None:
            raise ValidationError({"token": _("Staff must name the token to start with.")})
        return token or driver_app_token(driver=driver)
    if driver is None:
        raise ValidationError({"token": _("Only drivers start sessions.")})
    if token is None:
        return driver_app_token(driver=driver)
    if token.driver_id != driver.pk:
        raise ValidationError({"token": _("No such token.")})
    return token
