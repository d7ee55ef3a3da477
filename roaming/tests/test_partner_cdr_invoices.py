"""Partner CPOs' CDRs for our drivers on the driver's monthly invoice, with our markup:
real rows through the one monthly invoicing run."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceLine
from billing.services.invoices import invoices_issue_for_month
from drivers.tests.factories import DriverFactory, TokenFactory
from roaming.models import PartnerCdr
from roaming.tests.factories import registered_partner
from stations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


@pytest.fixture(autouse=True)
def markup(settings):
    settings.OCPI_ROAMING_MARKUP_PERCENT = Decimal("10")


def partner_cdr(partner, token, cdr_id, stopped_at, excl, incl, *, credit=False, kwh="10"):
    return PartnerCdr.objects.create(
        partner=partner,
        country_code="DE",
        party_id="EVC",
        cdr_id=cdr_id,
        token=token,
        currency="EUR",
        total_excl_vat=Decimal(excl),
        total_incl_vat=None if incl is None else Decimal(incl),
        energy_kwh=Decimal(kwh),
        credit=credit,
        started_at=stopped_at.replace(hour=stopped_at.hour - 1),
        stopped_at=stopped_at,
        data={},
    )


def test_partner_cdrs_are_invoiced_once_with_markup_and_credits_in_the_next_month():
    emsp = OrganisationFactory(name="Our EMSP", time_zone="Europe/Berlin")
    token = TokenFactory(driver=DriverFactory(emsp=emsp))
    other = TokenFactory(driver=DriverFactory(emsp=OrganisationFactory(name="Another EMSP")))
    cpo = registered_partner(name="Partner CPO", token="cpo", role="CPO", country_code="DE", party_id="EVC")
    partner_cdr(cpo, token, "c1", datetime(2026, 5, 10, 12, tzinfo=UTC), "10.00", "11.90")
    partner_cdr(cpo, token, "c2", datetime(2026, 5, 20, 12, tzinfo=UTC), "3.3333", "3.9666", kwh="3.5")
    # 01:30 on June 1st in Berlin: the issuer's June.
    partner_cdr(cpo, token, "c3", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "5.00", None)
    # The credit of c1 arrives after May is invoiced.
    partner_cdr(cpo, token, "c1-credit", datetime(2026, 6, 2, 12, tzinfo=UTC), "10.00", "11.90", credit=True)
    partner_cdr(cpo, other, "x1", datetime(2026, 5, 11, 12, tzinfo=UTC), "1.00", "1.19")

    invoices_issue_for_month(period_start=MAY, now=datetime(2026, 6, 1, 6, tzinfo=UTC))
    may = Invoice.objects.get(driver=token.driver, period_start=MAY)
    assert [(line.amount_excl_vat, line.vat, line.amount_incl_vat) for line in may.lines.all()] == [
        (Decimal("11.00"), Decimal("2.09"), Decimal("13.09")),
        (Decimal("3.67"), Decimal("0.70"), Decimal("4.37")),
    ]
    assert (may.total_excl_vat, may.total_vat, may.total_incl_vat) == (
        Decimal("14.67"),
        Decimal("2.79"),
        Decimal("17.46"),
    )
    assert may.issuer == emsp and "Partner CPO" in may.lines.first().description
    assert may.vat_breakdown == [{"rate": "19.00", "base": "14.67", "vat": "2.79"}]
    elsewhere = Invoice.objects.get(driver=other.driver, period_start=MAY)
    assert elsewhere.total_incl_vat == Decimal("1.31")  # 1.10 + 19 % VAT

    # A re-run of May invoices nothing again.
    invoices_issue_for_month(period_start=MAY, now=datetime(2026, 6, 3, tzinfo=UTC))
    assert Invoice.objects.filter(driver=token.driver).count() == 1

    invoices_issue_for_month(period_start=JUNE, now=datetime(2026, 7, 1, 6, tzinfo=UTC))
    june = Invoice.objects.get(driver=token.driver, period_start=JUNE)
    assert [(line.amount_excl_vat, line.vat) for line in june.lines.order_by("position")] == [
        (Decimal("5.50"), Decimal("0.00")),
        (Decimal("-11.00"), Decimal("-2.09")),
    ]
    assert june.total_incl_vat == Decimal("-7.59")
    assert InvoiceLine.objects.filter(foreign_reference__startswith="partner-cdr:").count() == 5


def test_a_partner_agreement_sets_its_own_markup():
    emsp = OrganisationFactory(name="Our EMSP", time_zone="UTC")
    token = TokenFactory(driver=DriverFactory(emsp=emsp))
    cpo = registered_partner(name="Partner CPO", token="cpo", role="CPO", country_code="DE", party_id="EVC")
    cpo.markup_percent = Decimal("25")
    cpo.save()
    partner_cdr(cpo, token, "c1", datetime(2026, 5, 10, 12, tzinfo=UTC), "10.00", "11.90")
    invoices_issue_for_month(period_start=MAY, now=datetime(2026, 6, 1, 6, tzinfo=UTC))
    invoice = Invoice.objects.get(driver=token.driver)
    assert (invoice.total_excl_vat, invoice.total_vat) == (Decimal("12.50"), Decimal("2.38"))
