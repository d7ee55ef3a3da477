"""Two invoices as a tax office would read them: a German driver charged in EUR at a
Munich site, and a UK business driver with a non-Latin name charged in GBP in London.
Used by the document tests and by docs/invoices/render_samples.sh."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from billing.models import Invoice
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.tariffs import tariff_create
from billing.tests.factories import START, completed_session
from drivers.tests.factories import DriverFactory, UserFactory
from stations.tests.factories import ConnectorFactory, OperatingAgreementFactory, OrganisationFactory, SiteFactory

MAY = date(2026, 5, 1)
RUN_AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _tariff(site, *, currency: str, vat: str, energy: str, time_per_hour: str, flat: str):
    return tariff_create(
        operator=site.operator,
        name="Standard",
        currency=currency,
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
        elements=[
            {
                "price_components": [
                    {"type": "FLAT", "price": flat, "vat": vat, "step_size": 1},
                    {"type": "ENERGY", "price": energy, "vat": vat, "step_size": 1},
                    {"type": "TIME", "price": time_per_hour, "vat": vat, "step_size": 60},
                ]
            }
        ],
        site=site,
    )


def german_invoice() -> Invoice:
    seller = OrganisationFactory(
        name="Isar Ladestrom GmbH",
        country="DE",
        currency="EUR",
        time_zone="Europe/Berlin",
        vat_number="DE812345678",
        registration="HRB 234567, Amtsgericht München",
        address="Leopoldstraße 12",
        postal_code="80802",
        city="München",
        billing_email="rechnung@isar-ladestrom.example",
        bank_account_holder="Isar Ladestrom GmbH",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
    )
    site = SiteFactory(
        name="Parkhaus Gärtnerplatz",
        operator=seller,
        address="Reichenbachstraße 9",
        postal_code="80469",
        city="München",
        country="DE",
        time_zone="Europe/Berlin",
    )
    owner = OrganisationFactory(
        name="Gärtnerplatz Parken GmbH",
        is_operator=False,
        is_emsp=False,
        vat_number="DE298765432",
        address="Sendlinger Straße 3",
        postal_code="80331",
        city="München",
        bank_account_holder="Gärtnerplatz Parken GmbH",
        iban="DE02120300000000202051",
        bic="BYLADEM1001",
    )
    connector = ConnectorFactory(
        station__site=site,
        station__identity="DE-ISR-0001",
        station__owner=owner,
        station__agreement=OperatingAgreementFactory(owner=owner, operator=seller),
    )
    _tariff(site, currency="EUR", vat="19", energy="0.49", time_per_hour="1.20", flat="0.50")
    driver = DriverFactory(
        user=UserFactory(username="jens.mueller@example.com", first_name="Jens", last_name="Müller"),
        emsp=seller,
        address="Türkenstraße 50",
        postal_code="80799",
        city="München",
        country="DE",
        preferred_language="de",
    )
    for day, energy_wh in ((0, 23_456), (3, 11_200)):
        session = completed_session(
            connector=connector, driver=driver, started_at=START + timedelta(days=day), energy_wh=energy_wh
        )
        session_price(session_id=session.pk)
    return _issued(driver)


def uk_invoice() -> Invoice:
    seller = OrganisationFactory(
        name="Thames Charge Ltd",
        country="GB",
        currency="GBP",
        time_zone="Europe/London",
        vat_number="GB123456789",
        registration="Company No. 09876543 (England and Wales)",
        address="1 Bankside",
        postal_code="SE1 9JA",
        city="London",
        billing_email="billing@thames-charge.example",
        bank_account_holder="Thames Charge Ltd",
        iban="GB33BUKB20201555555555",
        bic="BUKBGB22",
    )
    site = SiteFactory(
        name="Southwark Street Car Park",
        operator=seller,
        address="40 Southwark Street",
        postal_code="SE1 1UN",
        city="London",
        country="GB",
        latitude=Decimal("51.505"),
        longitude=Decimal("-0.092"),
        time_zone="Europe/London",
    )
    connector = ConnectorFactory(station__site=site, station__identity="GB-THC-0001")
    _tariff(site, currency="GBP", vat="20", energy="0.69", time_per_hour="0.00", flat="0.00")
    driver = DriverFactory(
        user=UserFactory(username="zoe@example.com", first_name="Zoë", last_name="Ωmega-Łukasz Жукова"),
        emsp=seller,
        company_name="Ωmega Logistics Ltd",
        vat_number="GB987654321",
        address="221B Baker Street",
        postal_code="NW1 6XE",
        city="London",
        country="GB",
        preferred_language="en",
    )
    session = completed_session(connector=connector, driver=driver, started_at=START, energy_wh=31_750, minutes=95)
    session_price(session_id=session.pk)
    return _issued(driver)


def _issued(driver) -> Invoice:
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    return Invoice.objects.get(driver=driver, kind=Invoice.Kind.INVOICE)
