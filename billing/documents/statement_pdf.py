"""The settlement statement's PDF: who pays whom (both parties' addresses), into which
account, and the statement's figures per station and month."""

from decimal import Decimal

from billing.documents.labels import labels_for, money_text, number_text
from billing.documents.layout import Document
from billing.models import SettlementStatement
from stations.models import OperatingAgreement, Organisation

# Organisations have no language of their own; their country's decides.
GERMAN_SPEAKING = {"DE", "AT", "CH", "LI"}


def statement_summary(*, statement: SettlementStatement) -> list[tuple[str, Decimal]]:
    return [
        ("Gross incl. VAT", statement.gross_incl_vat),
        ("VAT", statement.vat),
        ("Net revenue", statement.net_revenue),
        ("EMSP commission", statement.commission),
        ("Owner share", statement.owner_share),
        ("Fixed monthly fee", statement.fixed_fee),
        ("Analytics report fee", -statement.analytics_fee),
        ("Payout due", statement.payout_due),
    ]


def statement_payer(*, statement: SettlementStatement) -> Organisation | None:
    """Who pays an owner's statement: the operator under the agreement in force for the
    period. An operator's statement is its own account of the month and has no payer."""
    if statement.role != SettlementStatement.Role.OWNER:
        return None
    agreement = (
        OperatingAgreement.objects.filter(owner=statement.party, valid_from__lte=statement.period_end)
        .select_related("operator")
        .order_by("-valid_from")
        .first()
    )
    return agreement.operator if agreement else None


def _address(organisation: Organisation, words) -> list[str]:
    rows = [
        organisation.name,
        organisation.address,
        f"{organisation.postal_code} {organisation.city}".strip(),
        organisation.country,
    ]
    if organisation.vat_number:
        rows.append(f"{words['vat_id']}: {organisation.vat_number}")
    if organisation.registration:
        rows.append(f"{words['registration']}: {organisation.registration}")
    return [row for row in rows if row]


def statement_pdf(*, statement: SettlementStatement) -> bytes:
    party = statement.party
    language = "de" if party.country in GERMAN_SPEAKING else "en"
    words = labels_for(language)
    currency = statement.currency

    def money(amount) -> str:
        return money_text(amount, currency, language)

    doc = Document(
        f"{words['statement']} {party.name} ({words[statement.role]}) {statement.period_start:%Y-%m}",
        statement.created_at,
        language,
    )
    payer = statement_payer(statement=statement)
    # A partner EMSP's statement is what it owes us: it pays, and is paid nothing.
    pays = statement.role == SettlementStatement.Role.PARTNER_EMSP
    doc.two_columns(
        [words["payer" if pays else "party"], *_address(party, words)],
        [words["payer"], *_address(payer, words)] if payer else [],
    )
    doc.ln(3)
    if party.iban and not pays:
        holder = party.bank_account_holder or party.name
        bic = f", BIC {party.bic}" if party.bic else ""
        doc.line_text(f"{words['payout_account']}: {holder}, IBAN {party.iban}{bic}", bold=True)
    doc.line_text(f"{words['period']}: {statement.period_start} – {statement.period_end}")
    if statement.due_on:
        doc.line_text(f"{words['due_on']}: {statement.due_on}", bold=True)
    doc.line_text(
        f"{words['sessions']}: {statement.session_count}    "
        f"{words['energy']}: {number_text(Decimal(statement.energy_wh) / 1000, 3, language)} kWh"
    )
    for label, amount in statement_summary(statement=statement):
        doc.line_text(f"{words.get(label, label)}: {money(amount)}", bold=label == "Payout due")
    doc.ln(3)
    doc.table(
        [words["month"], words["station"], words["sessions"], "kWh", words["net"], words["owner_share"]],
        [
            [
                line.get("month", f"{statement.period_start:%Y-%m}")
                + (f" ({words['adjustment']})" if line.get("adjustment") else ""),
                str(line["station"]),
                str(line["sessions"]),
                number_text(Decimal(line["energy_wh"]) / 1000, 3, language),
                money(line["net"]),
                money(line["owner_share"]),
            ]
            for line in statement.lines
        ],
        [34, 45, 20, 25, 33, 33],
        "LLRRRR",
    )
    return bytes(doc.output())
