"""Paying one invoice by a way other than the monthly card run: from the prepaid wallet,
by bank transfer (one bank transaction, from a reconciled statement) or marked paid by
staff. Each is a settled Payment booked like a card payment (ledger entries summing to
zero, invoice paid, a dunning block lifted)."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from billing.models import BillingAccount, Invoice, Payment
from billing.selectors.ledger import wallet_balance
from billing.selectors.payment_methods import card_payments_available
from billing.services.payments import (
    PaymentError,
    invoice_payment_collect,
    payment_result_apply,
    payments_retry,
)
from billing.services.providers import ProviderResult


def invoice_pay_from_wallet(*, invoice: Invoice, now: datetime) -> Payment:
    """Pay the whole invoice from the driver's wallet. Idempotent (one wallet payment per
    invoice). Raises PaymentError if it is not open or the balance does not cover it."""
    key = f"invoice-{invoice.pk}-wallet"
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    with transaction.atomic():
        # The invoice row is the lock: two clicks cannot both spend the same balance.
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != Invoice.Status.OPEN or invoice.kind != Invoice.Kind.INVOICE:
            raise PaymentError("This invoice is not open.")
        if wallet_balance(driver=invoice.driver, currency=invoice.currency) < invoice.total_incl_vat:
            raise PaymentError("The wallet balance does not cover this invoice.")
        payment = _offline_payment(invoice=invoice, provider=Payment.Provider.WALLET, key=key, reference="")
        return payment_result_apply(payment_id=payment.pk, result=ProviderResult("succeeded"), now=now)


def invoice_pay_by_transfer(*, invoice: Invoice, amount: Decimal, bank_transaction_id: str, now: datetime) -> Payment:
    """Book a bank transfer for the invoice. Idempotent per bank transaction id (a
    statement uploaded twice books nothing new). Raises PaymentError if the amount is
    not the invoice's total or the invoice is not open."""
    existing = Payment.objects.filter(provider=Payment.Provider.BANK, provider_reference=bank_transaction_id).first()
    if existing:
        return existing
    if invoice.status != Invoice.Status.OPEN:
        raise PaymentError(f"Invoice {invoice.number} is not open.")
    if amount != invoice.total_incl_vat:
        raise PaymentError(f"{amount} does not match invoice {invoice.number} ({invoice.total_incl_vat}).")
    try:
        with transaction.atomic():
            payment = _offline_payment(
                invoice=invoice,
                provider=Payment.Provider.BANK,
                key=f"bank-{bank_transaction_id}",
                reference=bank_transaction_id,
            )
    except IntegrityError:
        return Payment.objects.get(provider=Payment.Provider.BANK, provider_reference=bank_transaction_id)
    return payment_result_apply(payment_id=payment.pk, result=ProviderResult("succeeded"), now=now)


def invoice_mark_paid(*, invoice: Invoice, now: datetime) -> Payment | None:
    """Staff record that an open invoice was paid some other way. Idempotent: an invoice
    that is no longer open is left alone (returns None)."""
    if invoice.status != Invoice.Status.OPEN or invoice.kind != Invoice.Kind.INVOICE:
        return None
    try:
        with transaction.atomic():
            payment = _offline_payment(
                invoice=invoice, provider=Payment.Provider.MANUAL, key=f"invoice-{invoice.pk}-manual", reference=""
            )
    except IntegrityError:
        return Payment.objects.get(idempotency_key=f"invoice-{invoice.pk}-manual")
    return payment_result_apply(payment_id=payment.pk, result=ProviderResult("succeeded"), now=now)


def _offline_payment(*, invoice: Invoice, provider: str, key: str, reference: str) -> Payment:
    return Payment.objects.create(
        provider=provider,
        purpose=Payment.Purpose.INVOICE,
        driver_id=invoice.driver_id,
        invoice=invoice,
        amount=invoice.total_incl_vat,
        currency=invoice.currency,
        idempotency_key=key,
        provider_reference=reference,
        attempts=1,
    )


def invoice_pay_by_card(*, invoice: Invoice, now: datetime, provider=None) -> Payment:
    """The driver's "pay now" by saved card: the invoice's one card payment is attempted
    (again, if it failed). Raises PaymentError if cards cannot be charged here or no card
    is saved; nothing is stored then."""
    if invoice.status != Invoice.Status.OPEN:
        raise PaymentError("This invoice is not open.")
    if provider is None and not card_payments_available():
        raise PaymentError("Card payments are not configured on this site.")
    if not BillingAccount.objects.filter(driver_id=invoice.driver_id).exclude(stripe_payment_method_id="").exists():
        raise PaymentError("Save a card first.")
    existing = Payment.objects.filter(idempotency_key=f"invoice-{invoice.pk}").first()
    if existing is None:
        return invoice_payment_collect(invoice=invoice, now=now, provider=provider)
    if existing.status == Payment.Status.FAILED:
        payments_retry(payment_ids=[existing.pk], now=now, provider=provider)
        existing.refresh_from_db()
    return existing
