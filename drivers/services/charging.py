"""Starting a charge: the one rule every door calls (stopping is stations' `charge_stop`).

The token and account half lives here (drivers owns tokens and accounts); the station half
is `stations.services.charging.charge_station_check`. Refusals are its `ChargeRefused`,
re-exported here for the doors that import drivers."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from drivers.models import Driver, Reservation, Token
from drivers.selectors.tokens import AuthorizationStatus, charge_block_reason, token_authorization, token_by_id_tag
from drivers.services.reservations import reservation_request
from drivers.services.tokens import driver_app_token
from stations.models import ChargingStation, CommandRequest, Connector
from stations.services.charging import ChargeRefused, Refusal, charge_command_ttl, charge_station_check
from stations.services.commands import command_request

__all__ = ["ChargeRefused", "Refusal", "charge_start", "charge_start_for_driver", "reservation_make"]

AUTHORIZATION_REFUSALS = {
    AuthorizationStatus.BLOCKED: Refusal.TOKEN_BLOCKED,
    AuthorizationStatus.EXPIRED: Refusal.TOKEN_EXPIRED,
    AuthorizationStatus.CONCURRENT_TX: Refusal.TOKEN_IN_USE,
    AuthorizationStatus.INVALID: Refusal.TOKEN_UNKNOWN,
}


@transaction.atomic
def charge_start(
    *,
    station: ChargingStation,
    connector_number: int,
    id_tag: str,
    requested_by=None,
    source: str,
    charging_profile: dict | None = None,
) -> CommandRequest:
    """Queue a start of `connector_number` at `station` for the token `id_tag`, to expire
    after CHARGE_COMMAND_TTL_SECONDS. Each call that passes queues a new request.

    Raises ChargeRefused, checked in this order: the token's driver account unverified,
    suspended or closed, or blocked by billing (payment); token authorization refuses it
    (unknown to us and to every registered foreign authorizer, blocked, expired, already in
    a session); the station not Accepted (OCPP 1.6 §4.2) or
    offline; the connector unknown, out of service or busy."""
    token = token_by_id_tag(id_tag=id_tag)
    if token is not None:
        id_tag = token.uid
        if token.driver is not None:
            driver_may_charge_check(driver=token.driver)
    # Token authorization also answers for tokens that are not our drivers' (roaming
    # partners register how), so an unknown idTag is refused only if nobody knows it.
    authorization = token_authorization(id_tag=id_tag, station=station)
    if not authorization.accepted:
        raise ChargeRefused(AUTHORIZATION_REFUSALS.get(authorization.status, Refusal.TOKEN_BLOCKED))
    charge_station_check(station=station, connector_number=connector_number)
    parameters = {"connector": connector_number, "id_tag": id_tag}
    if charging_profile:
        parameters["charging_profile"] = charging_profile
    return command_request(
        station=station,
        action=CommandRequest.Action.START,
        parameters=parameters,
        requested_by=requested_by,
        source=source,
        ttl_seconds=charge_command_ttl(),
    )


def charge_start_for_driver(*, driver: Driver, connector: Connector, token: Token | None = None, source: str):
    """`charge_start` with one of the driver's tokens (their app token when none is named)."""
    token = token or driver_app_token(driver=driver)
    return charge_start(
        station=connector.station,
        connector_number=connector.connector_id,
        id_tag=token.uid,
        requested_by=driver.user,
        source=source,
    )


def driver_may_charge_check(*, driver: Driver) -> None:
    """Raises ChargeRefused unless the account may charge: verified e-mail, not suspended
    or closed, and no payment block registered by billing (which gives its own words)."""
    if driver.email_verified_at is None:
        raise ChargeRefused(Refusal.ACCOUNT_UNVERIFIED)
    if driver.account_status in (Driver.AccountStatus.SUSPENDED, Driver.AccountStatus.CLOSED):
        raise ChargeRefused(Refusal.ACCOUNT_INACTIVE)
    reason = charge_block_reason(driver=driver)
    if reason:
        raise ChargeRefused(Refusal.PAYMENT_BLOCKED, reason)


def reservation_make(*, driver: Driver, connector: Connector, minutes: int) -> Reservation:
    """Hold `connector` for the driver for `minutes` (ReserveNow through the outbox, with the
    driver's app token). Raises ChargeRefused when the driver may not charge or the
    charger is offline, ValidationError for what reservation_request refuses."""
    driver_may_charge_check(driver=driver)
    if not connector.station.is_connected:
        raise ChargeRefused(Refusal.STATION_OFFLINE)
    return reservation_request(
        token=driver_app_token(driver=driver),
        station=connector.station,
        connector_number=connector.connector_id,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        driver=driver,
        requested_by=driver.user,
        source=CommandRequest.Source.PORTAL,
    )
