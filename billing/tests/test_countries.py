"""A site's country decides currency and VAT (CountryRate, by the session's site-local
date); documents split per currency; a reservation is priced on the session's CDR."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Account, ChargeDetailRecord, CountryRate, Invoice, SettlementStatement
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.settlements import statements_generate
from billing.tests.factories import completed_session, energy_tariff
from drivers.models import Reservation
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.tests.factories import (
    ChargingStationFactory,
    ConnectorFactory,
    OperatingAgreementFactory,
    OrganisationFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def rates():
    CountryRate.objects.create(country="DE", currency="EUR", vat_rate=D("19"), valid_from=date(2007, 1, 1))
    CountryRate.objects.create(country="DE", currency="EUR", vat_rate=D("16"), valid_from=date(2026, 5, 12))
    CountryRate.objects.create(country="GB", currency="GBP", vat_rate=D("20"), valid_from=date(2011, 1, 4))


def test_a_vat_change_applies_from_its_date_by_the_sessions_site_local_date():
    rates()
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="1.00", vat="19")
    # 23:30 and 00:30 in Berlin on either side of the change (UTC 21:30 and 22:30 of the 11th).
    before = session_price(
        session_id=completed_session(connector=connector, started_at=datetime(2026, 5, 11, 21, 30, tzinfo=UTC)).pk
    )
    after = session_price(
        session_id=completed_session(connector=connector, started_at=datetime(2026, 5, 11, 22, 30, tzinfo=UTC)).pk
    )
    assert (before.total_excl_vat, before.total_vat) == (D("20.00"), D("3.80"))
    assert (after.total_excl_vat, after.total_vat) == (D("20.00"), D("3.20"))


def uk_connector(operator):
    owner = OrganisationFactory(name="Harbour Retail Parks Ltd", country="GB", is_operator=False, currency="GBP")
    agreement = OperatingAgreementFactory(owner=owner, operator=operator, revenue_share_percent=D("20"), currency="GBP")
    site = SiteFactory(operator=operator, country="GB", time_zone="Europe/London")
    return ConnectorFactory(station=ChargingStationFactory(site=site, owner=owner, agreement=agreement))


def test_a_uk_site_is_priced_in_gbp_at_20_percent_and_its_owner_settled_in_gbp():
    rates()
    operator = OrganisationFactory(name="VoltWay", country="DE")
    connector = uk_connector(operator)
    with pytest.raises(ValidationError, match=r"differs from its site's \(GBP\)"):
        energy_tariff(site=connector.station.site, price="0.50", currency="EUR")
    energy_tariff(site=connector.station.site, price="0.50", vat="19", currency="GBP")
    cdr = session_price(session_id=completed_session(connector=connector).pk)
    assert (cdr.currency, cdr.total_excl_vat, cdr.total_vat) == ("GBP", D("10.00"), D("2.00"))
    assert cdr.owner_share_amount == D("2.00")
    statements_generate(period_start=date(2026, 5, 1), now=datetime(2026, 6, 2, tzinfo=UTC))
    owner_statement = SettlementStatement.objects.get(party=cdr.owner, role="owner")
    assert (owner_statement.currency, owner_statement.payout_due) == ("GBP", D("2.00"))
    assert not Account.objects.filter(organisation=cdr.owner).exclude(currency="GBP").exists()


def test_a_driver_charging_in_two_countries_gets_one_invoice_per_currency():
    rates()
    operator = OrganisationFactory(name="VoltWay", country="DE")
    german = ConnectorFactory(station=ChargingStationFactory(site=SiteFactory(operator=operator)))
    british = uk_connector(operator)
    energy_tariff(site=german.station.site, price="0.40")
    energy_tariff(site=british.station.site, price="0.50", currency="GBP")
    driver = DriverFactory(emsp=operator)
    session_price(session_id=completed_session(connector=german, driver=driver).pk)
    session_price(session_id=completed_session(connector=british, driver=driver).pk)

    invoices_issue_for_month(period_start=date(2026, 5, 1), now=datetime(2026, 6, 1, 12, tzinfo=UTC))

    issued = {i.currency: i.total_incl_vat for i in Invoice.objects.filter(driver=driver)}
    assert issued == {"EUR": D("9.28"), "GBP": D("12.00")}  # DE at 16 % from 12 May


def test_a_session_started_on_a_reservation_pays_the_reservation_time_on_its_cdr():
    connector = ConnectorFactory()
    energy_tariff(
        site=connector.station.site,
        elements=[
            {
                "price_components": [{"type": "TIME", "price": "5.00", "vat": "20", "step_size": 60}],
                "restrictions": {"reservation": "RESERVATION"},
            },
            {
                "price_components": [
                    {"type": "FLAT", "price": "0.50", "vat": "20"},
                    {"type": "ENERGY", "price": "0.25", "vat": "10"},
                ]
            },
        ],
    )
    driver = DriverFactory()
    session = completed_session(connector=connector, driver=driver)
    reservation = Reservation.objects.create(
        driver=driver,
        token=TokenFactory(driver=driver),
        station=connector.station,
        expires_at=session.started_at + timedelta(minutes=30),
        status=Reservation.Status.USED,
        session_id=session.pk,
    )
    Reservation.objects.filter(pk=reservation.pk).update(created_at=session.started_at - timedelta(minutes=15))

    cdr = session_price(session_id=session.pk)

    assert (cdr.total_excl_vat, cdr.total_incl_vat) == (D("6.75"), D("7.60"))  # OCPI example 15
    assert cdr.reservation_cost == D("1.25")
    assert ChargeDetailRecord.objects.get(pk=cdr.pk).periods[0]["dimension"] == "RESERVATION_TIME"
