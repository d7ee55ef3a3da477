"""What we owe a partner CPO for its CDRs of our drivers' sessions, less our commission, and
what a partner EMSP owes us for our CDRs of its tokens, less its commission, on the monthly
settlement statements: real rows through the one statement run."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.documents.statement_pdf import statement_pdf
from billing.models import SettlementLine, SettlementStatement
from billing.services.cdrs import cdr_credit, session_price
from billing.services.settlements import statements_generate
from drivers.tests.factories import TokenFactory
from roaming.models import PartnerToken
from roaming.tests.factories import registered_partner
from roaming.tests.test_partner_cdr_invoices import partner_cdr
from roaming.tests.test_sessions_cdrs_cpo import partner_session
from roaming.tests.test_tokens_cpo import token_object
from stations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


def test_partner_cpo_statements_to_the_cent_with_a_credit_in_the_next_month():
    books = OrganisationFactory(name="Partner CPO GmbH", is_owner=False, is_operator=False, is_emsp=False)
    cpo = registered_partner(name="Partner CPO", token="cpo", role="CPO", country_code="DE", party_id="EVC")
    cpo.organisation, cpo.commission_percent = books, Decimal("15")
    cpo.save()
    token = TokenFactory()
    c1 = partner_cdr(cpo, token, "c1", datetime(2026, 5, 10, 12, tzinfo=UTC), "10.00", "11.90")
    partner_cdr(cpo, token, "c2", datetime(2026, 5, 20, 12, tzinfo=UTC), "20.00", "23.80", kwh="20")

    statements_generate(period_start=MAY, now=datetime(2026, 6, 1, 6, tzinfo=UTC))
    may = SettlementStatement.objects.get(party=books, role=SettlementStatement.Role.PARTNER_CPO)
    assert (may.session_count, may.energy_wh) == (2, 30000)
    assert (may.net_revenue, may.vat, may.gross_incl_vat, may.commission, may.payout_due) == (
        Decimal("30.00"),
        Decimal("5.70"),
        Decimal("35.70"),
        Decimal("4.50"),
        Decimal("25.50"),
    )

    # After May's statement: a late May CDR and the credit of c1.
    partner_cdr(cpo, token, "c3", datetime(2026, 5, 25, 12, tzinfo=UTC), "4.00", "4.76", kwh="4")
    partner_cdr(cpo, token, "c1-credit", datetime(2026, 6, 2, 12, tzinfo=UTC), "10.00", "11.90", credit=True)
    statements_generate(period_start=MAY, now=datetime(2026, 6, 3, tzinfo=UTC))
    assert SettlementStatement.objects.get(party=books, period_start=MAY).payout_due == Decimal("25.50")

    statements_generate(period_start=JUNE, now=datetime(2026, 7, 1, 6, tzinfo=UTC))
    june = SettlementStatement.objects.get(party=books, period_start=JUNE)
    assert (june.net_revenue, june.vat, june.commission, june.payout_due) == (
        Decimal("-6.00"),
        Decimal("-1.14"),
        Decimal("-0.90"),
        Decimal("-5.10"),
    )
    assert [(line["month"], line["adjustment"], line["net"]) for line in june.lines] == [
        ("2026-06", False, "-10.00"),
        ("2026-05", True, "4.00"),
    ]
    # Nothing settled twice, nothing lost, and no other party got a partner statement.
    assert SettlementLine.objects.filter(foreign_reference=f"partner-cdr:{c1.pk}").count() == 1
    assert SettlementLine.objects.filter(role=SettlementStatement.Role.PARTNER_CPO).count() == 4
    assert SettlementStatement.objects.filter(role=SettlementStatement.Role.PARTNER_CPO).count() == 2
    assert statement_pdf(statement=june).startswith(b"%PDF")


def test_partner_emsp_statements_for_our_cdrs_of_its_tokens_with_a_credit_in_the_next_month():
    books = OrganisationFactory(name="Partner EMSP BV", is_owner=False, is_operator=False, is_emsp=False)
    emsp = registered_partner(name="Partner EMSP", token="emsp", role="EMSP", country_code="NL", party_id="PAR")
    emsp.organisation, emsp.commission_percent = books, Decimal("5")
    emsp.save()
    data = token_object()
    PartnerToken.objects.create(
        partner=emsp,
        country_code="NL",
        party_id="PAR",
        uid=data["uid"],
        type="RFID",
        contract_id=data["contract_id"],
        valid=True,
        whitelist="ALLOWED",
        data=data,
        last_updated="2026-01-01T10:00:00Z",
    )
    # Two sessions of 20 kWh at 0.40 EUR/kWh + 19 % VAT in May: 8.00 + 1.52 each.
    first = session_price(session_id=partner_session().pk)
    session_price(session_id=partner_session(started_at=datetime(2026, 5, 20, 8, tzinfo=UTC)).pk)

    statements_generate(period_start=MAY, now=datetime(2026, 6, 1, 6, tzinfo=UTC))
    may = SettlementStatement.objects.get(party=books, role=SettlementStatement.Role.PARTNER_EMSP)
    assert (may.session_count, may.energy_wh) == (2, 40000)
    assert (may.net_revenue, may.vat, may.gross_incl_vat, may.commission, may.payout_due) == (
        Decimal("16.00"),
        Decimal("3.04"),
        Decimal("19.04"),
        Decimal("0.80"),
        Decimal("15.20"),
    )

    cdr_credit(cdr=first, reason="meter fault")
    statements_generate(period_start=MAY, now=datetime(2026, 6, 3, tzinfo=UTC))
    statements_generate(period_start=JUNE, now=datetime(2026, 7, 1, 6, tzinfo=UTC))
    june = SettlementStatement.objects.get(party=books, period_start=JUNE)
    assert (june.net_revenue, june.vat, june.commission, june.payout_due) == (
        Decimal("-8.00"),
        Decimal("-1.52"),
        Decimal("-0.40"),
        Decimal("-7.60"),
    )
    assert [(line["month"], line["adjustment"]) for line in june.lines] == [("2026-05", True)]
    lines = SettlementLine.objects.filter(role=SettlementStatement.Role.PARTNER_EMSP)
    assert lines.count() == 3 and lines.filter(cdr=first).count() == 1
    assert statement_pdf(statement=june).startswith(b"%PDF")
