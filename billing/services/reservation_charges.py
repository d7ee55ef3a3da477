"""Reservations that expired unused: priced under the tariff in force when they were made
(RESERVATION_EXPIRES elements first, then RESERVATION ones), posted to the ledger like a CDR
(driver owes gross, VAT to the issuer, net to the operator; no commission or owner share,
since nobody charged) and invoiced on the driver's next monthly invoice."""

import logging
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from billing import pricing
from billing.models import Account, ReservationCharge
from billing.money import ZERO
from billing.selectors.countries import country_rate, spec_with_country_vat, station_country
from billing.selectors.memberships import plan_for_driver
from billing.selectors.tariffs import tariff_in_force
from billing.services import ledger, payments
from billing.services.tariffs import tariff_snapshot, tariff_spec
from drivers.models import Reservation

logger = logging.getLogger(__name__)
# ReserveNow.conf status: only a reservation the charger held can cost anything.
HELD = "Accepted"


def reservations_expired_charge() -> list[int]:
    """Charge every expired reservation the charger had accepted and nothing has charged
    yet. Idempotent (one charge per reservation); returns the new charges' ids."""
    pending = Reservation.objects.filter(
        status=Reservation.Status.EXPIRED, charger_status=HELD, driver__isnull=False, charge__isnull=True
    ).select_related("driver__emsp", "station__site__operator", "station__agreement__operator")
    created = []
    for reservation in pending:
        try:
            charge = reservation_expired_charge(reservation=reservation)
        except pricing.TariffError as error:
            logger.warning("Expired reservation %s cannot be priced: %s", reservation.pk, error)
            continue
        if charge is not None:
            created.append(charge.pk)
    return created


def reservation_expired_charge(*, reservation: Reservation) -> ReservationCharge | None:
    """Price and post one expired reservation; None if it was charged already (by another
    worker too: the unique reservation). Raises TariffError for a tariff that cannot apply."""
    station = reservation.station
    operator = station.operator
    zone = station.site.time_zone if station.site_id else operator.time_zone
    made_local = reservation.created_at.astimezone(ZoneInfo(zone)).date()
    rate = country_rate(country=station_country(station), on=made_local)
    currency = rate.currency if rate else operator.currency
    plan = plan_for_driver(driver=reservation.driver, on=made_local)
    tariff = tariff_in_force(station=station, at=reservation.created_at, plan=plan)
    if tariff is not None and tariff.currency != currency:
        raise pricing.TariffError(f"Tariff {tariff} is in {tariff.currency} but station {station} bills in {currency}.")
    result = None
    if tariff is not None:
        held = pricing.Reservation(reservation.created_at, reservation.expires_at, expired=True)
        usage = pricing.Usage(reservation.created_at, (), zone, held)
        spec = spec_with_country_vat(spec=tariff_spec(tariff=tariff), rate=rate)
        result = pricing.price_session(tariff=spec, usage=usage)
    try:
        with transaction.atomic():
            charge = ReservationCharge.objects.create(
                reservation=reservation,
                driver=reservation.driver,
                station=station,
                operator=operator,
                emsp=reservation.driver.emsp,
                tariff=tariff,
                tariff_snapshot=tariff_snapshot(tariff=tariff) if tariff else {},
                currency=currency,
                reserved_from=reservation.created_at,
                expired_at=reservation.expires_at,
                periods=[p.as_dict() for p in result.periods] if result else [],
                total_excl_vat=result.total_excl_vat if result else ZERO,
                total_vat=result.total_vat if result else ZERO,
                total_incl_vat=result.total_incl_vat if result else ZERO,
                vat_breakdown=result.vat_breakdown if result else [],
            )
            _post(charge)
    except IntegrityError:
        return None
    return charge


def _post(charge: ReservationCharge) -> None:
    if not charge.total_incl_vat:
        return

    def account(kind, **party):
        return ledger.account_get(kind=kind, currency=charge.currency, **party)

    ledger.transaction_post(
        reference=f"reservation:{charge.pk}",
        kind="reservation_expired",
        occurred_at=charge.expired_at,
        postings=[
            (account(Account.Kind.DRIVER_RECEIVABLE, driver=charge.driver), charge.total_incl_vat),
            (account(Account.Kind.VAT_PAYABLE, organisation=charge.emsp or charge.operator), -charge.total_vat),
            (account(Account.Kind.CPO_REVENUE, organisation=charge.operator), -charge.total_excl_vat),
        ],
        description=f"Reservation {charge.reservation_id} expired unused",
    )
    payments.wallet_debit(
        driver=charge.driver,
        amount=charge.total_incl_vat,
        currency=charge.currency,
        reference=f"wallet:reservation:{charge.pk}",
        occurred_at=charge.expired_at,
        description=f"Wallet pays expired reservation {charge.reservation_id}",
    )
