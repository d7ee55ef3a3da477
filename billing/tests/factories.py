"""Data builders for billing tests: tariffs through the real service, and completed
sessions with meter samples as the gateway records them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from billing.models import BillingAccount, CommissionAgreement, MembershipPlan
from billing.services.tariffs import tariff_create
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.models import ChargingSession, MeterSample
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

START = datetime(2026, 5, 12, 8, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Berlin


def energy_tariff(*, station=None, site=None, connector=None, price="0.40", vat="19", flat=None, **fields):
    components = [{"type": "ENERGY", "price": price, "vat": vat, "step_size": 1}]
    if flat:
        components.insert(0, {"type": "FLAT", "price": flat, "vat": vat, "step_size": 1})
    target = connector or station or site
    operator = (
        site or getattr(target, "site", None) or getattr(getattr(target, "station", None), "site", None)
    ).operator
    return tariff_create(
        operator=operator,
        name=fields.pop("name", "Standard"),
        currency=fields.pop("currency", operator.currency),
        valid_from=fields.pop("valid_from", datetime(2025, 1, 1, tzinfo=UTC)),
        elements=fields.pop("elements", [{"price_components": components}]),
        site=site,
        station=station,
        connector=connector,
        **fields,
    )


def completed_session(
    *, connector=None, driver=None, started_at=START, minutes=60, energy_wh=20000, samples=4, parking_minutes=0
) -> ChargingSession:
    """A stopped session with evenly spaced energy register samples (and, if asked, an idle
    tail where the register stands still)."""
    connector = connector or ConnectorFactory()
    token = TokenFactory(driver=driver or DriverFactory())
    stopped_at = started_at + timedelta(minutes=minutes + parking_minutes)
    session = ChargingSessionFactory(
        station=connector.station,
        connector=connector,
        id_tag=token.uid,
        token=token,
        started_at=started_at,
        meter_start_wh=1000,
        stopped_at=stopped_at,
        meter_stop_wh=1000 + energy_wh,
        energy_wh=energy_wh,
        status=ChargingSession.Status.COMPLETED,
    )
    for i in range(1, samples + 1):
        at = started_at + timedelta(minutes=minutes * i / samples)
        value = Decimal(1000 + energy_wh * i // samples)
        MeterSample.objects.create(
            session=session,
            station=connector.station,
            connector_number=connector.connector_id,
            sampled_at=at,
            unit="Wh",
            value=value,
            normalized_value=value,
        )
    return session


class MembershipPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    operator = factory.SubFactory("stations.tests.factories.OrganisationFactory")
    monthly_fee = Decimal("9.90")
    vat_rate = Decimal("19")
    currency = "EUR"


class CommissionAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionAgreement

    emsp = factory.SubFactory("stations.tests.factories.OrganisationFactory")
    cpo = factory.SubFactory("stations.tests.factories.OrganisationFactory")
    percent = Decimal("7.5")
    valid_from = datetime(2025, 1, 1).date()


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAccount

    driver = factory.SubFactory(DriverFactory)
