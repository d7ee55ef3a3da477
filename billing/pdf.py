"""PDF documents (fpdf2, pure Python): invoices, credit notes and settlement statements.
Rendered on demand from the immutable records, so the same document always comes out."""

from decimal import Decimal

from fpdf import FPDF

from billing.models import Invoice, SettlementStatement


def _text(value) -> str:
    # The core PDF fonts cover Latin-1; anything else is shown as "?" rather than failing.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def _money(amount: Decimal, currency: str) -> str:
    return f"{Decimal(amount):,.2f} {currency}"


class _Document(FPDF):
    def __init__(self, title: str, created_at):
        super().__init__(format="A4")
        self.set_title(_text(title))
        self.set_creation_date(created_at)  # the document's date, so re-rendering is byte-identical
        self.add_page()
        self.set_font("Helvetica", "B", 16)
        self.cell(0, 10, _text(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=10)

    def line_text(self, text: str, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 10)
        self.cell(0, 6, _text(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font("Helvetica", "B", 9)
        for title, width in zip(header, widths, strict=True):
            self.cell(width, 7, _text(title), border=1)
        self.ln()
        self.set_font("Helvetica", size=9)
        for row in rows:
            for value, width in zip(row, widths, strict=True):
                self.cell(width, 6, _text(value), border=1)
            self.ln()


def invoice_pdf(*, invoice: Invoice) -> bytes:
    doc = _Document(f"{invoice.get_kind_display()} {invoice.number}", invoice.issued_at)
    issuer, driver = invoice.issuer, invoice.driver
    doc.line_text(f"{issuer.name}, VAT no. {issuer.vat_number or '-'}")
    doc.line_text(f"To: {driver} <{driver.email}>, {driver.address} {driver.postal_code} {driver.city}")
    doc.line_text(f"Issued: {invoice.issued_at:%Y-%m-%d}   Period: {invoice.period_start} to {invoice.period_end}")
    if invoice.credits_id:
        doc.line_text(f"Corrects invoice {invoice.credits.number}")
    doc.ln(4)
    c = invoice.currency
    rows = [
        [
            str(line.position),
            line.description[:70],
            _money(line.amount_excl_vat, c),
            _money(line.vat, c),
            _money(line.amount_incl_vat, c),
        ]
        for line in invoice.lines.all()
    ]
    doc.table(["#", "Description", "Net", "VAT", "Total"], rows, [8, 100, 27, 25, 30])
    doc.ln(4)
    doc.table(
        ["VAT rate", "Net", "VAT"],
        [[f"{part['rate']} %", _money(part["base"], c), _money(part["vat"], c)] for part in invoice.vat_breakdown],
        [30, 40, 40],
    )
    doc.ln(4)
    doc.line_text(f"Total excl. VAT: {_money(invoice.total_excl_vat, c)}")
    doc.line_text(f"VAT: {_money(invoice.total_vat, c)}")
    doc.line_text(f"Total incl. VAT: {_money(invoice.total_incl_vat, c)}", bold=True)
    return bytes(doc.output())


def statement_pdf(*, statement: SettlementStatement) -> bytes:
    doc = _Document(
        f"Settlement {statement.party.name} ({statement.get_role_display()}) {statement.period_start:%Y-%m}",
        statement.created_at,
    )
    c = statement.currency
    doc.line_text(f"Period: {statement.period_start} to {statement.period_end}")
    doc.line_text(f"Sessions: {statement.session_count}   Energy: {statement.energy_wh / 1000:,.3f} kWh")
    for label, amount in statement_summary(statement=statement):
        doc.line_text(f"{label}: {_money(amount, c)}")
    doc.ln(4)
    doc.table(
        ["Month", "Station", "Sessions", "kWh", "Net", "Owner share"],
        [
            [
                line.get("month", f"{statement.period_start:%Y-%m}") + (" (adj.)" if line.get("adjustment") else ""),
                line["station"],
                str(line["sessions"]),
                f"{line['energy_wh'] / 1000:,.3f}",
                _money(line["net"], c),
                _money(line["owner_share"], c),
            ]
            for line in statement.lines
        ],
        [30, 45, 20, 25, 35, 35],
    )
    return bytes(doc.output())


def statement_summary(*, statement: SettlementStatement) -> list[tuple[str, Decimal]]:
    return [
        ("Gross incl. VAT", statement.gross_incl_vat),
        ("VAT", statement.vat),
        ("Net revenue", statement.net_revenue),
        ("EMSP commission", statement.commission),
        ("Owner share", statement.owner_share),
        ("Fixed monthly fee", statement.fixed_fee),
        ("Payout due", statement.payout_due),
    ]
