"""Which currency and VAT rate apply where and when: a site's country (CountryRate) on the
site-local date of the session, else the operator's currency and the tariff's own rates."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from billing import pricing
from billing.models import CountryRate


def country_rate(*, country: str, on: date) -> CountryRate | None:
    return CountryRate.in_force(country=country, on=on)


def plan_vat_rate(*, plan, on: date) -> Decimal:
    """A membership fee is the operator's service, taxed where the operator is established
    (VAT Directive art. 45): its country's rate in force on `on`, so a rate change applies
    from its date as it does for charging. The plan's own rate where the country has no
    rate recorded or bills in another currency."""
    rate = country_rate(country=plan.operator.country, on=on)
    if rate is None or rate.currency != plan.currency:
        return plan.vat_rate
    return rate.vat_rate


def station_country(station) -> str:
    return station.site.country if station.site_id else station.operator.country


def spec_with_country_vat(*, spec: pricing.TariffSpec, rate: CountryRate | None) -> pricing.TariffSpec:
    """The tariff taxed at the country's rate in force: each component that carries VAT
    takes the country's rate, so a VAT change applies from its date without editing
    tariffs. A component without VAT (None: not applicable) stays without."""
    if rate is None:
        return spec
    elements = tuple(
        replace(
            element,
            components=tuple(
                c if c.vat_rate is None else replace(c, vat_rate=rate.vat_rate) for c in element.components
            ),
        )
        for element in spec.elements
    )
    return replace(spec, elements=elements)


class CountryRates:
    """Every CountryRate read once (the table has a few rows per country), answered per
    (country, day) without further queries: what a batch of sessions needs."""

    def __init__(self):
        self._rows: list[CountryRate] | None = None

    def in_force(self, *, country: str, on: date) -> CountryRate | None:
        if self._rows is None:
            self._rows = list(CountryRate.objects.order_by("-valid_from"))
        return next((r for r in self._rows if r.country == country and r.valid_from <= on), None)
