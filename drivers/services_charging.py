"""Starting and stopping a charge from the portal: RemoteStart/RemoteStop through the
command outbox (contract 1). The charger's answer arrives later on the Command row and
the session itself through the gateway's StartTransaction handling."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from drivers.models import Driver, Reservation, Token
from drivers.services import reservation_request, token_create
from ocpp_gateway import commands
from ocpp_gateway.models import Command
from stations.models import ChargingSession, Connector

# A driver standing at the charger should not wait for a command queued an hour ago.
PORTAL_COMMAND_TTL_SECONDS = 90


class ChargeRefused(ValueError):
    """The portal will not ask the charger; the message says why, in the driver's words."""


def driver_app_token(*, driver: Driver) -> Token:
    """The driver's valid app token (idTag for remote starts), created on first use."""
    token = driver.tokens.filter(kind=Token.Kind.APP, status=Token.Status.VALID).order_by("pk").first()
    return token or token_create(driver=driver, kind=Token.Kind.APP, label=_("Portal and app"))


@transaction.atomic
def charge_start(*, driver: Driver, connector: Connector) -> Command:
    """Queue RemoteStartTransaction for `connector` with the driver's app token.

    Raises ChargeRefused when the driver may not charge (e-mail unverified, account not
    active, payment block) or the charger cannot take it (offline). Each call queues a new
    command; the charger refuses a second start on a busy connector by itself."""
    _check_driver_may_charge(driver)
    station = connector.station
    if not station.is_connected:
        raise ChargeRefused(_("This charger is offline right now. Please try another one."))
    token = driver_app_token(driver=driver)
    return commands.send(
        station=station,
        action="RemoteStartTransaction",
        payload={"connectorId": connector.connector_id, "idTag": token.uid},
        requested_by=driver.user,
        source=Command.Source.PORTAL,
        ttl_seconds=PORTAL_COMMAND_TTL_SECONDS,
    )


@transaction.atomic
def charge_stop(*, driver: Driver, session: ChargingSession) -> Command:
    """Queue RemoteStopTransaction for the driver's own running session.

    Raises ChargeRefused for a session that is not the driver's or no longer running."""
    if session.token is None or session.token.driver_id != driver.pk:
        raise ChargeRefused(_("This is not your charging session."))
    if session.status != ChargingSession.Status.ACTIVE:
        raise ChargeRefused(_("This session has already ended."))
    return commands.send(
        station=session.station,
        action="RemoteStopTransaction",
        payload={"transactionId": session.pk},
        requested_by=driver.user,
        source=Command.Source.PORTAL,
        ttl_seconds=PORTAL_COMMAND_TTL_SECONDS,
    )


def _check_driver_may_charge(driver: Driver) -> None:
    if driver.email_verified_at is None:
        raise ChargeRefused(_("Please confirm your e-mail address before charging."))
    if driver.account_status != Driver.AccountStatus.ACTIVE:
        raise ChargeRefused(_("Your account cannot charge right now. Please contact support."))
    reason = billing_selectors.payment_block_reason(driver=driver)
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
        source=Command.Source.PORTAL,
    )
