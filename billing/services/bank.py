"""Bank statements: read the incoming credits of a CAMT.053 (ISO 20022) or a simple CSV
statement and book each one that quotes an open invoice's RF reference for its exact
total. Idempotent per bank transaction id: uploading the same statement twice books
nothing new. Parsing uses the standard library only (xml.etree, csv)."""

import csv
import io
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Value
from django.db.models.functions import Replace, Upper

from billing.bank_reference import rf_find
from billing.models import Invoice, Payment
from billing.services.invoice_payments import invoice_pay_by_transfer
from billing.services.payments import PaymentError

logger = logging.getLogger(__name__)
CSV_COLUMNS = ("transaction_id", "booking_date", "amount", "currency", "reference")


class StatementError(ValueError):
    """The file is not a statement we can read (nothing was booked)."""


@dataclass(frozen=True)
class BankCredit:
    transaction_id: str
    amount: Decimal
    currency: str
    reference: str  # the remittance text, where an RF reference is looked for


@dataclass
class Reconciliation:
    booked: list[int] = field(default_factory=list)  # payment ids booked now
    already: list[str] = field(default_factory=list)  # transaction ids booked before
    unmatched: list[str] = field(default_factory=list)  # "id: why", for staff to handle


def statement_parse(*, content: bytes) -> list[BankCredit]:
    """The credits of a CAMT.053 XML or CSV statement. Raises StatementError."""
    text = content.lstrip()
    if text.startswith(b"<"):
        return _camt053(text)
    return _csv(text.decode("utf-8-sig"))


def statement_reconcile(*, content: bytes, now: datetime) -> Reconciliation:
    """Book every credit that matches an open invoice by RF reference, currency and amount."""
    result = Reconciliation()
    for credit in statement_parse(content=content):
        if Payment.objects.filter(provider=Payment.Provider.BANK, provider_reference=credit.transaction_id).exists():
            result.already.append(credit.transaction_id)
            continue
        reference = rf_find(credit.reference)
        invoice = _invoice_for(reference) if reference else None
        if invoice is None:
            result.unmatched.append(f"{credit.transaction_id}: no invoice reference")
            continue
        if invoice.currency != credit.currency:
            result.unmatched.append(f"{credit.transaction_id}: {credit.currency}, invoice in {invoice.currency}")
            continue
        try:
            payment = invoice_pay_by_transfer(
                invoice=invoice, amount=credit.amount, bank_transaction_id=credit.transaction_id, now=now
            )
        except PaymentError as error:
            result.unmatched.append(f"{credit.transaction_id}: {error}")
            continue
        result.booked.append(payment.pk)
    return result


def _invoice_for(reference: str) -> Invoice | None:
    # The reference carries the invoice number's letters and digits (bank_reference.rf_reference).
    compact = Upper(Replace("number", Value("-"), Value("")))
    candidates = Invoice.objects.annotate(compact=compact).filter(kind=Invoice.Kind.INVOICE, compact=reference[4:])
    return next((invoice for invoice in candidates if invoice.payment_reference == reference), None)


def _camt053(content: bytes) -> list[BankCredit]:
    try:
        root = ET.fromstring(content)  # noqa: S314 - uploaded by staff; ElementTree resolves no external entities
    except ET.ParseError as error:
        raise StatementError(f"Not a readable XML statement: {error}") from error
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""

    credits = []
    for entry in root.iter(f"{namespace}Ntry"):
        if (entry.findtext(f"{namespace}CdtDbtInd") or "").strip() != "CRDT":
            continue
        amount_element = entry.find(f"{namespace}Amt")
        if amount_element is None:
            continue
        reference_texts = [
            text.strip()
            for tag in ("Ref", "Ustrd", "AddtlNtryInf")
            for element in entry.iter(f"{namespace}{tag}")
            if (text := element.text)
        ]
        transaction_id = next(
            (
                e.text.strip()
                for tag in ("AcctSvcrRef", "TxId", "EndToEndId")
                for e in entry.iter(f"{namespace}{tag}")
                if e.text
            ),
            "",
        )
        if not transaction_id:
            raise StatementError("A credit entry has no bank reference (AcctSvcrRef).")
        credits.append(
            BankCredit(
                transaction_id=transaction_id,
                amount=_amount(amount_element.text),
                currency=amount_element.get("Ccy", ""),
                reference=" ".join(reference_texts),
            )
        )
    return credits


def _csv(text: str) -> list[BankCredit]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(CSV_COLUMNS) <= {name.strip() for name in reader.fieldnames}:
        raise StatementError(f"A CSV statement needs the columns {', '.join(CSV_COLUMNS)}.")
    credits = []
    for row in reader:
        row = {key.strip(): (value or "").strip() for key, value in row.items()}
        amount = _amount(row["amount"])
        if amount <= 0:
            continue  # debits are not payments to us
        credits.append(BankCredit(row["transaction_id"], amount, row["currency"].upper(), row["reference"]))
    return credits


def _amount(text: str | None) -> Decimal:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation as error:
        raise StatementError(f"{text!r} is not an amount.") from error
