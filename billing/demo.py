"""Demo billing data for `make run`: a tariff per demo site (energy, a start fee, an idle
fee after the car is full, cheaper at night), a membership plan with its member tariff,
the EMSP–CPO commission agreement and card billing accounts for the demo drivers.
Idempotent: running it again creates only what is missing."""

from datetime import UTC, datetime
from decimal import Decimal

from billing.models import BillingAccount, CommissionAgreement, MembershipPlan, Tariff
from billing.services.tariffs import tariff_create
from drivers.models import Driver
from stations.models import Organisation, Site

VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)


def _elements(energy_day: str, energy_night: str) -> list[dict]:
    return [
        {"price_components": [{"type": "FLAT", "price": "0.35", "vat": "19", "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": energy_night, "vat": "19", "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": energy_day, "vat": "19", "step_size": 1}]},
        {
            "price_components": [{"type": "PARKING_TIME", "price": "6.00", "vat": "19", "step_size": 300}],
            "restrictions": {"start_time": "08:00", "end_time": "20:00"},
        },
    ]


def load_billing() -> dict[str, int]:
    created = {"tariffs_created": 0}
    for operator in Organisation.objects.filter(is_operator=True):
        plan, _ = MembershipPlan.objects.get_or_create(
            operator=operator,
            name="Charge Plus",
            defaults={
                "monthly_fee": Decimal("9.90"),
                "currency": operator.currency,
                "included_kwh": 20,
                "discount_percent": Decimal("5"),
            },
        )
        for emsp in Organisation.objects.filter(is_emsp=True):
            CommissionAgreement.objects.get_or_create(
                emsp=emsp, cpo=operator, defaults={"percent": Decimal("7.5"), "valid_from": VALID_FROM.date()}
            )
        for site in Site.objects.filter(operator=operator, tariffs__isnull=True):
            for name, plan_for, day, night in (
                ("Standard", None, "0.49", "0.39"),
                ("Charge Plus", plan, "0.39", "0.32"),
            ):
                tariff_create(
                    operator=operator,
                    name=name,
                    currency=operator.currency,
                    valid_from=VALID_FROM,
                    site=site,
                    membership_plan=plan_for,
                    elements=_elements(day, night),
                )
                created["tariffs_created"] += 1
    for driver in Driver.objects.filter(billing_account__isnull=True):
        BillingAccount.objects.create(driver=driver, mode=BillingAccount.Mode.CARD)
    created["tariffs_total"] = Tariff.objects.count()
    return created
