"""The invoice or credit note as a PDF/A-3 with its Factur-X XML embedded."""

from decimal import Decimal

import facturx

from billing.documents.contents import InvoiceContents, invoice_contents
from billing.documents.facturx_xml import invoice_xml
from billing.documents.labels import labels_for, money_text, number_text, percent_text
from billing.documents.layout import Document
from billing.models import Invoice


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The PDF the driver receives, with the EN 16931 XML (Factur-X, profile EN16931)
    attached; the XML is checked against the schema before it is embedded."""
    contents = invoice_contents(invoice=invoice)
    return facturx.generate_from_binary(
        invoice_pdf_visual(contents=contents),
        invoice_xml(contents=contents),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        lang=contents.language,
        pdf_metadata={
            "author": invoice.issuer.name,
            "keywords": "Factur-X",
            "title": f"{invoice.issuer.name}: {invoice.number}",
            "subject": f"{invoice.get_kind_display()} {invoice.number}",
        },
    )


def invoice_pdf_visual(*, contents: InvoiceContents) -> bytes:
    invoice, language = contents.invoice, contents.language
    words = labels_for(language)

    def money(amount: Decimal) -> str:
        return money_text(amount, invoice.currency, language)

    def day(value) -> str:
        return f"{value:%d.%m.%Y}" if language == "de" else f"{value:%Y-%m-%d}"

    title = f"{words[invoice.kind]} {invoice.number}"
    doc = Document(title, invoice.issued_at, language)
    seller, buyer = contents.seller, contents.buyer
    doc.two_columns(
        [words["seller"], *seller.lines(), *_ids(seller, words)],
        [words["buyer"], *buyer.lines(), *_ids(buyer, words), buyer.email],
    )
    doc.ln(3)
    doc.line_text(f"{words['number']}: {invoice.number}    {words['issue_date']}: {day(contents.issue_date)}")
    doc.line_text(f"{words['supply_period']}: {day(invoice.period_start)} – {day(invoice.period_end)}")
    if contents.corrected_number:
        doc.line_text(
            f"{words['corrects']} {contents.corrected_number} {words['of']} {day(contents.corrected_date)}", bold=True
        )
    doc.ln(2)
    for line in contents.lines:
        _print_line(doc, line, words, invoice.currency, language)
    doc.ln(2)
    doc.line_text(words["vat_summary"], bold=True)
    doc.table(
        [words["vat_rate"], words["net"], words["vat"], words["gross"]],
        [
            [percent_text(rate, language), money(base), money(vat), money(base + vat)]
            for rate, base, vat in contents.vat_totals
        ],
        [30, 40, 40, 40],
        "RRRR",
    )
    doc.ln(2)
    doc.line_text(f"{words['total_net']}: {money(invoice.total_excl_vat)}")
    doc.line_text(f"{words['total_vat']}: {money(invoice.total_vat)}")
    doc.line_text(f"{words['total_gross']}: {money(invoice.total_incl_vat)}", bold=True, size=11)
    doc.ln(2)
    method = words[contents.payment_method] + (f" ({contents.card_text})" if contents.card_text else "")
    doc.line_text(f"{words['due_date']}: {day(contents.due_date)}    {words['payment_method']}: {method}")
    doc.line_text(f"{words['status']}: {words[invoice.status]}", bold=True)
    if contents.mandate_reference or contents.creditor_id:
        parts = [f"{words['mandate_reference']}: {contents.mandate_reference}"] if contents.mandate_reference else []
        if contents.creditor_id:
            parts.append(f"{words['creditor_id']}: {contents.creditor_id}")
        doc.line_text("; ".join(parts))
    issuer = invoice.issuer
    if contents.payment_method == "transfer" and invoice.status == Invoice.Status.OPEN and issuer.iban:
        holder = issuer.bank_account_holder or issuer.name
        doc.line_text(
            f"{words['pay_to']}: {holder}, IBAN {issuer.iban}"
            + (f", BIC {issuer.bic}" if issuer.bic else "")
            + f"; {words['reference']}: {invoice.payment_reference}"
        )
    return bytes(doc.output())


def _ids(party, words) -> list[str]:
    rows = []
    if party.vat_number:
        rows.append(f"{words['vat_id']}: {party.vat_number}")
    if party.registration:
        rows.append(f"{words['registration']}: {party.registration}")
    return rows


def _print_line(doc, line, words, currency: str, language: str) -> None:
    def money(amount: Decimal, places: int | None = None) -> str:
        return money_text(amount, currency, language, places=places)

    if line.started_local:
        doc.line_text(f"{line.position}. {words[line.kind]}, {line.site_name}", bold=True)
        doc.line_text(f"{words['site']}: {line.site_name}, {line.site_address}")
        zone = line.started_local.tzinfo
        doc.line_text(
            f"{words['start']}: {line.started_local:%Y-%m-%d %H:%M} {line.started_local:%Z} ({zone})    "
            f"{words['end']}: {line.stopped_local:%Y-%m-%d %H:%M} {line.stopped_local:%Z}"
        )
        doc.line_text(
            f"{words['energy']}: {number_text(Decimal(line.energy_wh) / 1000, 3, language)} kWh    "
            f"{words['duration']}: {line.seconds // 3600}:{line.seconds % 3600 // 60:02d} h"
        )
    else:
        doc.line_text(f"{line.position}. {words[line.kind]} {line.description}", bold=True)
    rows = [
        [
            words[c.key],
            f"{number_text(c.quantity, 3, language)} {c.unit}" if c.unit else number_text(c.quantity, 0, language),
            money(c.unit_price, places=4 if c.unit else None) + (f"/{c.unit}" if c.unit else ""),
            money(c.net),
            percent_text(c.vat_rate, language),
            money(c.vat),
        ]
        for c in line.components
    ]
    rows.append(["", "", "", money(line.net), "", money(line.vat)])
    doc.table(
        [words["component"], words["quantity"], words["unit_price"], words["net"], words["vat_rate"], words["vat"]],
        rows,
        [50, 26, 34, 28, 22, 30],
        "LRRRRR",
    )
    doc.ln(1.5)
