"""Demo billing data for `make run`: the countries' currencies and VAT rates, a tariff per
demo site in its country's currency (energy, a start fee, an idle fee after the car is
full, cheaper at night), a membership plan per currency with its member tariffs, the
EMSP–CPO commission agreement and card billing accounts for the demo drivers.
Idempotent: running it again creates only what is missing."""

from datetime import UTC, date, datetime
from decimal import Decimal

from billing.models import BillingAccount, CommissionAgreement, CountryRate, MembershipPlan, Tariff
from billing.services.tariffs import tariff_create
from drivers.models import Driver
from stations.models import Organisation, Site

VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
# (country, currency, standard VAT rate, in force from)
COUNTRY_RATES = (("DE", "EUR", "19", date(2007, 1, 1)), ("GB", "GBP", "20", date(2011, 1, 4)))
# Per currency: plan fee excl. VAT, then (public day, public night, member day, member night) per kWh.
PRICES = {
    "EUR": ("9.90", ("0.49", "0.39", "0.39", "0.32"), "0.35", "6.00"),
    "GBP": ("8.50", ("0.45", "0.35", "0.36", "0.28"), "0.30", "5.00"),
}


def _elements(energy_day: str, energy_night: str, *, flat: str, idle_per_hour: str, vat: str) -> list[dict]:
    return [
        {"price_components": [{"type": "FLAT", "price": flat, "vat": vat, "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": energy_night, "vat": vat, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": energy_day, "vat": vat, "step_size": 1}]},
        {
            "price_components": [{"type": "PARKING_TIME", "price": idle_per_hour, "vat": vat, "step_size": 300}],
            "restrictions": {"start_time": "08:00", "end_time": "20:00"},
        },
    ]


def load_billing() -> dict[str, int]:
    created = {"tariffs_created": 0}
    for country, currency, vat, valid_from in COUNTRY_RATES:
        CountryRate.objects.get_or_create(
            country=country, valid_from=valid_from, defaults={"currency": currency, "vat_rate": Decimal(vat)}
        )
    for operator in Organisation.objects.filter(is_operator=True):
        for emsp in Organisation.objects.filter(is_emsp=True):
            CommissionAgreement.objects.get_or_create(
                emsp=emsp, cpo=operator, defaults={"percent": Decimal("7.5"), "valid_from": VALID_FROM.date()}
            )
        for site in Site.objects.filter(operator=operator, tariffs__isnull=True):
            rate = CountryRate.in_force(country=site.country, on=VALID_FROM.date())
            currency = rate.currency if rate else operator.currency
            vat = str(rate.vat_rate) if rate else "19"
            fee, (day, night, member_day, member_night), flat, idle = PRICES.get(currency, PRICES["EUR"])
            plan, _ = MembershipPlan.objects.get_or_create(
                operator=operator,
                currency=currency,
                name="Charge Plus",
                defaults={
                    "monthly_fee": Decimal(fee),
                    "vat_rate": Decimal(vat),
                    "included_kwh": 20,
                    "discount_percent": Decimal("5"),
                },
            )
            for name, plan_for, energy_day, energy_night in (
                ("Standard", None, day, night),
                ("Charge Plus", plan, member_day, member_night),
            ):
                tariff_create(
                    operator=operator,
                    name=name,
                    currency=currency,
                    valid_from=VALID_FROM,
                    site=site,
                    membership_plan=plan_for,
                    elements=_elements(energy_day, energy_night, flat=flat, idle_per_hour=idle, vat=vat),
                )
                created["tariffs_created"] += 1
    for driver in Driver.objects.filter(billing_account__isnull=True):
        BillingAccount.objects.create(driver=driver, mode=BillingAccount.Mode.CARD)
    created["tariffs_total"] = Tariff.objects.count()
    return created
