"""Bank transfers: a CAMT.053 or CSV statement is reconciled by RF reference and amount,
marks the right invoice paid once (per bank transaction id) and leaves others alone."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Invoice, Payment
from billing.services.bank import statement_reconcile
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.tests.factories import completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
RUN_AT = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def invoices():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    for energy_wh in (20000, 10000):
        session_price(session_id=completed_session(connector=connector, driver=DriverFactory(), energy_wh=energy_wh).pk)
    ids = invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)
    return list(Invoice.objects.filter(pk__in=ids).order_by("pk"))


def camt(entries) -> bytes:
    body = "".join(
        f"""<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>
        <AcctSvcrRef>{tx}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf>
        <Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        for tx, amount, currency, side, reference in entries
    )
    return (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        f"<BkToCstmrStmt><Stmt><Id>S1</Id>{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def test_camt053_statement_marks_the_referenced_invoice_paid_once(invoices):
    first, second = invoices
    statement = camt(
        [
            ("BANK-1", second.total_incl_vat, "EUR", "CRDT", second.payment_reference),
            ("BANK-2", first.total_incl_vat, "EUR", "DBIT", first.payment_reference),  # money out: ignored
            ("BANK-3", "1.00", "EUR", "CRDT", first.payment_reference),  # wrong amount: left for staff
        ]
    )
    result = statement_reconcile(content=statement, now=RUN_AT)
    again = statement_reconcile(content=statement, now=RUN_AT)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == Invoice.Status.PAID and first.status == Invoice.Status.OPEN
    assert len(result.booked) == 1 and result.unmatched[0].startswith("BANK-3")
    assert again.booked == [] and again.already == ["BANK-1"]
    payment = Payment.objects.get()
    assert (payment.provider, payment.provider_reference, payment.invoice) == ("bank", "BANK-1", second)


def test_csv_statement_finds_the_reference_in_free_text(invoices):
    first, _ = invoices
    reference = first.payment_reference
    spaced = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    csv = (
        "transaction_id,booking_date,amount,currency,reference\n"
        f"TX-9,2026-06-05,{first.total_incl_vat},EUR,Invoice {spaced} thanks\n"
        "TX-10,2026-06-05,5.00,EUR,no reference here\n"
    ).encode()
    result = statement_reconcile(content=csv, now=RUN_AT)
    first.refresh_from_db()
    assert first.status == Invoice.Status.PAID and len(result.booked) == 1
    assert result.unmatched == ["TX-10: no invoice reference"]


def test_admin_upload_page_reconciles_a_statement(invoices, admin_client):
    first, _ = invoices
    statement = camt([("BANK-7", first.total_incl_vat, "EUR", "CRDT", first.payment_reference)])
    upload = SimpleUploadedFile("statement.xml", statement, content_type="application/xml")
    admin_client.post("/admin/billing/invoice/reconcile/", {"statement": upload})
    first.refresh_from_db()
    assert first.status == Invoice.Status.PAID
