"""Starting and stopping a charge for a driver (remote start/stop through the command outbox)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drivers.models import Driver, Reservation, SessionToken, Token
from drivers.selectors.tokens import charge_block_reason, token_authorization
from drivers.services.reservations import reservation_request
from drivers.services.tokens import driver_app_token
from stations.models import ChargingSession, ChargingStation, CommandRequest, Connector, RegistrationStatus
from stations.services.commands import command_request

# A driver standing at the charger should not wait for a command queued an hour ago.
PORTAL_COMMAND_TTL_SECONDS = 90


class ChargeRefused(ValueError):
    """The portal will not ask the charger; the message says why, in the driver's words."""


@transaction.atomic
def charge_start(*, driver: Driver, connector: Connector) -> CommandRequest:
    """Queue RemoteStartTransaction for `connector` with the driver's app token.

    Raises ChargeRefused when the driver may not charge (e-mail unverified, account not
    active, payment block) or the charger cannot take it (offline). Each call queues a new
    command; the charger refuses a second start on a busy connector by itself."""
    _check_driver_may_charge(driver)
    station = connector.station
    if not station.is_connected:
        raise ChargeRefused(_("This charger is offline right now. Please try another one."))
    token = driver_app_token(driver=driver)
    return command_request(
        station=station,
        action=CommandRequest.Action.START,
        parameters={"connector": connector.connector_id, "id_tag": token.uid},
        requested_by=driver.user,
        source=CommandRequest.Source.PORTAL,
        ttl_seconds=PORTAL_COMMAND_TTL_SECONDS,
    )


@transaction.atomic
def charge_stop(*, driver: Driver, session: ChargingSession) -> CommandRequest:
    """Queue RemoteStopTransaction for the driver's own running session.

    Raises ChargeRefused for a session that is not the driver's or no longer running."""
    if not SessionToken.objects.filter(session=session, token__driver=driver).exists():
        raise ChargeRefused(_("This is not your charging session."))
    if session.status != ChargingSession.Status.ACTIVE:
        raise ChargeRefused(_("This session has already ended."))
    return command_request(
        station=session.station,
        action=CommandRequest.Action.STOP,
        parameters={"session": session.pk},
        requested_by=driver.user,
        source=CommandRequest.Source.PORTAL,
        ttl_seconds=PORTAL_COMMAND_TTL_SECONDS,
    )


def _check_driver_may_charge(driver: Driver) -> None:
    if driver.email_verified_at is None:
        raise ChargeRefused(_("Please confirm your e-mail address before charging."))
    if driver.account_status != Driver.AccountStatus.ACTIVE:
        raise ChargeRefused(_("Your account cannot charge right now. Please contact support."))
    reason = charge_block_reason(driver=driver)
    if reason:
        raise ChargeRefused(reason)


def reservation_make(*, driver: Driver, connector: Connector, minutes: int) -> Reservation:
    """Hold `connector` for the driver for `minutes` (ReserveNow through the outbox, with the
    driver's app token). Raises ChargeRefused when the driver may not charge or the
    charger is offline, ValidationError for what reservation_request refuses."""
    _check_driver_may_charge(driver)
    if not connector.station.is_connected:
        raise ChargeRefused(_("This charger is offline right now. Please try another one."))
    return reservation_request(
        token=driver_app_token(driver=driver),
        station=connector.station,
        connector_number=connector.connector_id,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        driver=driver,
        requested_by=driver.user,
        source=CommandRequest.Source.PORTAL,
    )


# A remote start delivered minutes late would surprise whoever is standing at the charger.
REMOTE_COMMAND_TTL_SECONDS = 120


class RemoteActionRefused(Exception):
    """The request is well-formed but the state of things forbids it (the API answers 409)."""


@transaction.atomic
def remote_start_request(
    *, requested_by, station: ChargingStation, connector_number: int, token: Token | None = None
) -> CommandRequest:
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
    return command_request(
        station=station,
        action=CommandRequest.Action.START,
        parameters={"connector": connector_number, "id_tag": token.uid},
        requested_by=requested_by,
        source=CommandRequest.Source.API,
        ttl_seconds=REMOTE_COMMAND_TTL_SECONDS,
    )


@transaction.atomic
def remote_stop_request(*, requested_by, session: ChargingSession) -> CommandRequest:
    """Queue RemoteStopTransaction for a running session. Raises RemoteActionRefused when
    it has already ended. The caller has checked that the session is theirs to stop."""
    session = ChargingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ChargingSession.Status.ACTIVE:
        raise RemoteActionRefused(_("This session has already ended."))
    return command_request(
        station=session.station,
        action=CommandRequest.Action.STOP,
        parameters={"session": session.pk},
        requested_by=requested_by,
        source=CommandRequest.Source.API,
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
