"""The invoice PDF is a legal invoice (EU VAT Directive art. 226) that prints every
currency and name, in the driver's language, and carries valid Factur-X XML."""

import io
import os
from datetime import date, timedelta
from pathlib import Path

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from billing.models import ChargeDetailRecord, Invoice
from billing.pdf import invoice_pdf, statement_pdf
from billing.services.cdrs import cdr_credit
from billing.services.invoices import credit_note_issue
from billing.services.settlements import statements_generate
from billing.tests.invoice_samples import MAY, RUN_AT, german_invoice, uk_invoice

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_xml(pdf: bytes) -> bytes:
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    return xml


def test_german_invoice_names_seller_buyer_sites_local_times_and_unit_prices_in_german():
    invoice = german_invoice()
    assert invoice.due_date == date(2026, 6, 15)
    text = pdf_text(invoice_pdf(invoice=invoice))
    for expected in (
        "Rechnung INV-2026-",
        "Isar Ladestrom GmbH",
        "Leopoldstraße 12",
        "80802 München",
        "USt-IdNr.: DE812345678",
        "HRB 234567, Amtsgericht München",
        "Jens Müller",
        "Türkenstraße 50",
        "Parkhaus Gärtnerplatz (DE-ISR-0001), Reichenbachstraße 9, 80469 München",
        # START is 08:00 UTC: the site's local time, with its zone, is what the driver saw.
        "2026-05-12 10:00 CEST (Europe/Berlin)",
        "0,4900 €/kWh",
        "Leistungszeitraum: 01.05.2026 – 31.05.2026",
        "Fällig am: 15.06.2026",
        "Zahlungsart: Überweisung",
        "Status: Offen",
        "IBAN DE89370400440532013000",
        "19 %",
    ):
        assert expected in text, expected
    assert f"{invoice.total_incl_vat:.2f}".replace(".", ",") + " €" in text
    assert invoice.payment_reference.startswith("RF") and invoice.payment_reference in text


def test_uk_invoice_prints_pound_amounts_and_a_non_latin_name_with_the_buyers_vat_id():
    invoice = uk_invoice()
    assert invoice.currency == "GBP"
    text = pdf_text(invoice_pdf(invoice=invoice))
    for expected in (
        "Invoice INV-2026-",
        "Ωmega Logistics Ltd",
        "Zoë Ωmega-Łukasz Жукова",
        "VAT ID: GB987654321",
        "VAT ID: GB123456789",
        "2026-05-12 09:00 BST (Europe/London)",
        "£0.6900/kWh",
        f"£{invoice.total_incl_vat:.2f}",
        "20 %",
    ):
        assert expected in text, expected
    assert "?" not in text  # nothing replaced for want of a glyph


@pytest.mark.parametrize("build", [german_invoice, uk_invoice])
def test_invoice_pdf_carries_factur_x_xml_that_passes_the_schema_check(build):
    invoice = build()
    xml = embedded_xml(invoice_pdf(invoice=invoice))
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"
    text = xml.decode()
    assert f"<ram:ID>{invoice.number}</ram:ID>" in text
    assert f"<ram:GrandTotalAmount>{invoice.total_incl_vat:.2f}</ram:GrandTotalAmount>" in text
    assert f"<ram:InvoiceCurrencyCode>{invoice.currency}</ram:InvoiceCurrencyCode>" in text
    assert f'schemeID="VA">{invoice.issuer.vat_number}<' in text
    # The structured RF reference the bank statement is reconciled on, not the bare number.
    assert f"<ram:PaymentReference>{invoice.payment_reference}</ram:PaymentReference>" in text


def test_credit_note_references_the_invoice_it_corrects_in_pdf_and_xml():
    invoice = german_invoice()
    cdr = ChargeDetailRecord.objects.filter(invoice_line__invoice=invoice).first()
    note = credit_note_issue(credit_cdr=cdr_credit(cdr=cdr, reason="Meter fault"), now=RUN_AT + timedelta(days=2))
    pdf = invoice_pdf(invoice=note)
    assert f"Korrigiert Rechnung {invoice.number} vom 01.06.2026" in pdf_text(pdf)
    xml = embedded_xml(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    text = xml.decode()
    assert "<ram:TypeCode>381</ram:TypeCode>" in text
    assert f"<ram:IssuerAssignedID>{invoice.number}</ram:IssuerAssignedID>" in text
    assert f"<ram:GrandTotalAmount>{-note.total_incl_vat:.2f}</ram:GrandTotalAmount>" in text


def test_paid_invoice_says_paid_and_owes_nothing_in_the_xml():
    invoice = uk_invoice()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)
    invoice.refresh_from_db()
    pdf = invoice_pdf(invoice=invoice)
    assert "Status: Paid" in pdf_text(pdf)
    assert "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>" in embedded_xml(pdf).decode()


def test_owner_statement_shows_both_parties_addresses_and_the_payout_account():
    invoice = german_invoice()
    owner = invoice.lines.first().cdr.owner
    statements_generate(period_start=MAY, now=RUN_AT)
    text = pdf_text(statement_pdf(statement=owner.statements.get(role="owner")))
    assert "Gärtnerplatz Parken GmbH" in text and "Sendlinger Straße 3" in text  # the payee
    assert "Isar Ladestrom GmbH" in text and "Leopoldstraße 12" in text  # the operator who pays
    assert "Auszahlungskonto: Gärtnerplatz Parken GmbH, IBAN DE02120300000000202051, BIC BYLADEM1001" in text


def test_rendering_again_gives_the_same_text_and_xml():
    invoice = german_invoice()
    first, second = invoice_pdf(invoice=invoice), invoice_pdf(invoice=invoice)
    assert pdf_text(first) == pdf_text(second)
    assert embedded_xml(first) == embedded_xml(second)


@pytest.mark.skipif(not os.environ.get("RENDER_INVOICE_SAMPLES"), reason="docs/invoices/render_samples.sh sets it")
@pytest.mark.parametrize(("build", "name"), [(german_invoice, "invoice-de-eur"), (uk_invoice, "invoice-uk-gbp")])
def test_render_sample_invoice_into_docs(build, name):
    out = Path(os.environ["RENDER_INVOICE_SAMPLES"])
    invoice = build()
    pdf = invoice_pdf(invoice=invoice)
    (out / f"{name}.pdf").write_bytes(pdf)
    xml = embedded_xml(pdf)
    (out / f"{name}.xml").write_bytes(xml)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
