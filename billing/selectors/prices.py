"""Billing's answers to `stations.prices` (registered at start-up by billing.apps): what a
session costs, its receipt, and a connector's price in plain words, for the portal pages in
drivers and the API's sessions in stations, which may not import billing."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from billing.money import money_round
from billing.price_words import energy_rate_now_words, tariff_in_words
from billing.selectors.cdrs import cdr_in_force, cdrs_in_force
from billing.selectors.countries import country_rate, spec_with_country_vat, station_country
from billing.selectors.memberships import plan_for_driver
from billing.selectors.session_pricing import session_cost_estimate
from billing.selectors.tariffs import tariff_in_force
from billing.services.tariffs import tariff_spec
from stations.models import ChargingSession
from stations.prices import SessionCost


class BillingPrices:
    def session_cost(self, *, session) -> SessionCost:
        cdr = cdr_in_force(session_id=session.pk)
        if cdr is not None:
            return SessionCost(money_round(cdr.total_incl_vat, cdr.currency), cdr.currency, True)
        amount, currency = session_cost_estimate(session=session)
        return SessionCost(amount, currency, False)

    def session_costs(self, *, sessions) -> dict[int, SessionCost]:
        """CDR totals read in one query; running sessions estimated; the rest left out."""
        costs = {
            session_id: SessionCost(money_round(cdr.total_incl_vat, cdr.currency), cdr.currency, True)
            for session_id, cdr in cdrs_in_force(session_ids=[s.pk for s in sessions]).items()
        }
        for session in sessions:
            if session.pk not in costs and session.status == ChargingSession.Status.ACTIVE:
                costs[session.pk] = self.session_cost(session=session)
        return costs

    def session_receipt(self, *, session):
        return cdr_in_force(session_id=session.pk)

    def connector_prices(self, *, connectors, driver) -> dict[int, str]:
        """Each connector's tariff in force now in words, at the member price of the
        driver's plan on today's date at the site (as the CDR would pick it)."""
        now, plans = timezone.now(), {}
        prices = {}
        for connector in connectors:
            zone = connector.station.site.time_zone
            if zone not in plans:
                today = now.astimezone(ZoneInfo(zone)).date()
                plans[zone] = plan_for_driver(driver=driver, on=today) if driver else None
            words = _price_words(connector=connector, plan=plans[zone], at=now)
            if words is not None:
                prices[connector.pk] = words
        return prices


def _price_words(*, connector, plan, at) -> str | None:
    tariff = tariff_in_force(station=connector.station, connector=connector, at=at, plan=plan)
    if tariff is None:
        return None
    station = connector.station
    today = at.astimezone(ZoneInfo(station.site.time_zone)).date()
    rate = country_rate(country=station_country(station), on=today)
    spec = spec_with_country_vat(spec=tariff_spec(tariff=tariff), rate=rate)
    discounts = {"discount_per_kwh": plan.discount_per_kwh, "discount_percent": plan.discount_percent} if plan else {}
    words = tariff_in_words(spec=spec, **discounts)
    if plan is not None:
        words += " " + _("(your %(plan)s member price)") % {"plan": plan.name}
    local_now = at.astimezone(ZoneInfo(station.site.time_zone))
    rate_now = energy_rate_now_words(spec=spec, local_now=local_now, **discounts)
    # With several rates (day and night, weekdays), say first which one a session started now pays.
    energy_rates = [c for e in spec.elements for c in e.components if c.dimension == "ENERGY"]
    if rate_now is not None and len(energy_rates) > 1:
        return _("Now %(rate)s · %(all)s") % {"rate": rate_now, "all": words}
    return words
