"""What a session costs, computed one way for the CDR and for the live estimate: the same
inputs (the driver's membership plan on the site's local date, the tariff in force at the
start, the usage), the same engine, the same member discount and the same currency rounding.
The CDR service stores this result; the estimate shows it for a session still running."""

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from billing import pricing
from billing.models import ChargeDetailRecord, MembershipPlan, Tariff
from billing.money import allocate, money_round
from billing.selectors.cdrs import cdr_in_force
from billing.selectors.countries import spec_with_country_vat, station_country
from billing.services.pricing_lookup import PricingLookup
from drivers.selectors.sessions import session_token

logger = logging.getLogger(__name__)


class CdrError(ValueError):
    """A session that cannot be priced as it stands (nothing is written)."""


@dataclass(frozen=True)
class SessionPrice:
    """A session priced: what went in and what came out (totals after the member discount,
    rounded to the currency's minor unit as the CDR stores them)."""

    driver: object
    time_zone: str
    tariff: Tariff | None
    plan: MembershipPlan | None  # the plan whose discount applied (None if none did)
    spec: pricing.TariffSpec
    result: pricing.PriceResult
    total_excl_vat: Decimal
    total_vat: Decimal
    vat_breakdown: list[dict]

    @property
    def currency(self) -> str:
        return self.spec.currency

    @property
    def total_incl_vat(self) -> Decimal:
        return self.total_excl_vat + self.total_vat

    @property
    def discount_excl_vat(self) -> Decimal:
        return self.result.total_excl_vat - self.total_excl_vat


def session_price_compute(
    *, session, lookup: PricingLookup | None = None, until: datetime | None = None
) -> SessionPrice:
    """Price `session` up to `until` (default: its stop) without writing anything.
    Raises CdrError for a station without operator, a tariff whose currency is not the
    operator's, or a tariff the engine cannot apply."""
    lookup = lookup or PricingLookup()
    station = session.station
    operator = station.operator
    if operator is None:
        raise CdrError(f"Station {station} has neither an operating agreement nor a site operator.")
    token = session_token(session=session)
    driver = token.driver if token else None
    zone = station.site.time_zone if station.site_id else operator.time_zone
    started_local = session.started_at.astimezone(ZoneInfo(zone))
    plan = lookup.plan(driver=driver, on=started_local.date()) if driver else None
    tariff = lookup.tariff(station=station, connector=session.connector, at=session.started_at, plan=plan)
    rate = lookup.country_rate(country=station_country(station), on=started_local.date())
    currency = rate.currency if rate else operator.currency
    if tariff is None:
        spec = pricing.TariffSpec(currency, (pricing.Element((pricing.Component(pricing.FLAT, Decimal(0), None),)),))
    elif tariff.currency != currency:
        raise CdrError(f"Tariff {tariff} is in {tariff.currency} but station {station} bills in {currency}.")
    else:
        spec = spec_with_country_vat(spec=lookup.tariff_spec(tariff), rate=rate)
    try:
        usage = lookup.usage(session=session, time_zone=zone, until=until)
        usage = replace(usage, reservation=lookup.reservation(session=session))
        result = pricing.price_session(tariff=spec, usage=usage)
    except pricing.TariffError as error:
        raise CdrError(f"Tariff {tariff} cannot be applied: {error}") from error
    applied_plan = plan if plan and plan.operator_id == operator.pk and plan.currency == spec.currency else None
    discount = Decimal(0)
    if applied_plan:
        discount = _member_discount(plan=applied_plan, driver=driver, result=result, started_local=started_local)
    excl, vat, breakdown = _after_discount(result, discount)
    return SessionPrice(driver, zone, tariff, applied_plan, spec, result, excl, vat, breakdown)


def session_cost_estimate(*, session) -> tuple[Decimal, str]:
    """(amount incl. VAT, currency): the total of the session's CDR in force once it is
    priced; before that, what its CDR would say if it stopped now (a running session up to
    now, a stopped one up to its stop). A session that cannot be priced shows zero in the
    operator's currency. Never writes."""
    cdr = cdr_in_force(session_id=session.pk)
    if cdr is not None:
        return money_round(cdr.total_incl_vat, cdr.currency), cdr.currency
    until = session.stopped_at or max(timezone.now(), session.last_meter_at or session.started_at)
    try:
        priced = session_price_compute(session=session, until=until)
    except CdrError as error:
        # Pricing will refuse it too (and say so once); the live page asks every few seconds.
        logger.warning("Session %s cannot be estimated: %s", session.pk, error)
        operator = session.station.operator
        currency = operator.currency if operator else settings.DEFAULT_CURRENCY
        return money_round(Decimal(0), currency), currency
    return money_round(priced.total_incl_vat, priced.currency), priced.currency


def _member_discount(*, plan: MembershipPlan, driver, result: pricing.PriceResult, started_local) -> Decimal:
    """Included kWh first (free energy this calendar month in the site's zone, counting the
    member's sessions that started before this one), then a per-kWh discount on the rest
    of the energy, then a percentage off what remains."""
    energy_cost = result.dimension_amounts[pricing.ENERGY]
    free_wh = Decimal(0)
    if plan.included_kwh and result.energy_wh:
        month_start = started_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = (
            ChargeDetailRecord.objects.filter(
                driver=driver, membership_plan=plan, started_at__gte=month_start, started_at__lt=started_local
            ).aggregate(wh=Sum("energy_wh"))["wh"]
            or 0
        )
        free_wh = Decimal(max(0, min(plan.included_kwh * 1000 - used, result.energy_wh)))
    discount = energy_cost * free_wh / result.energy_wh if result.energy_wh else Decimal(0)
    paid_kwh = (Decimal(result.energy_wh) - free_wh) / 1000
    discount += min(energy_cost - discount, plan.discount_per_kwh * paid_kwh)
    discount += (result.total_excl_vat - discount) * plan.discount_percent / 100
    return min(max(discount, Decimal(0)), result.total_excl_vat)


def _after_discount(result: pricing.PriceResult, discount: Decimal) -> tuple[Decimal, Decimal, list[dict]]:
    if not discount or not result.total_excl_vat:
        return result.total_excl_vat, result.total_vat, result.vat_breakdown
    currency = result.currency
    ratio = (result.total_excl_vat - discount) / result.total_excl_vat
    excl = money_round(result.total_excl_vat - discount, currency)
    vat = money_round(result.total_vat * ratio, currency)
    bases = allocate(excl, [Decimal(line["base"]) for line in result.vat_breakdown], currency)
    vats = allocate(vat, [Decimal(line["vat"]) for line in result.vat_breakdown], currency)
    lines = [
        {"rate": line["rate"], "base": str(b), "vat": str(v)}
        for line, b, v in zip(result.vat_breakdown, bases, vats, strict=True)
    ]
    return excl, vat, lines
