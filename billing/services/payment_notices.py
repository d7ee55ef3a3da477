"""What billing tells a driver when money does not arrive, whatever the payment method: a
card charge declined, a direct debit failed or returned, a prepaid balance run below what
a charge needs, and each dunning step of an unpaid invoice (reminder, second reminder,
charging blocked) — which is how an invoice paid by bank transfer, or not at all, is
chased. Drivers' notifications write and send them (one template per kind, in the
driver's language, once per key, listed in the portal, never to a closed account); here
billing chooses when, the key that makes each one once, and the values."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings

from billing.documents import labels
from billing.models import BillingAccount, Invoice, Payment
from billing.selectors import wallet_balance, wallet_threshold
from drivers.models import DriverNotification
from drivers.services.notifications import driver_notify, driver_notify_later

Kind = DriverNotification.Kind
# Each dunning step (the invoice's timestamp field) and the notice it sends.
DUNNING_KINDS = {
    "reminder_1_sent_at": Kind.INVOICE_REMINDER,
    "reminder_2_sent_at": Kind.INVOICE_SECOND_REMINDER,
    "blocked_at": Kind.ACCOUNT_OVERDUE,
}


def card_payment_failed_tell(*, payment: Payment) -> None:
    """After the caller's commit, tell the driver that their card was declined for an
    invoice, with the next try and the other ways to pay. Once per payment: retries of
    the same invoice's charge do not repeat it (the dunning reminders follow)."""
    invoice = payment.invoice
    if invoice is None:
        return
    last4 = BillingAccount.objects.filter(driver_id=invoice.driver_id).values_list("card_last4", flat=True).first()
    driver_notify_later(
        driver_id=invoice.driver_id,
        kind=Kind.CARD_PAYMENT_FAILED,
        key=f"payment:{payment.pk}",
        values={
            **_invoice_values(invoice),
            "last4": last4 or "",
            "reason": payment.failure_message or "-",
            "retry_at": payment.next_retry_at.isoformat() if payment.next_retry_at else "",
        },
    )


def direct_debit_failed_tell(*, payment: Payment, reason: str, returned: bool = False) -> bool:
    """Tell the driver now, inside the caller's transaction, that a direct debit failed
    (or, `returned`, came back after it had settled) and the invoice is open again: a
    mail error rolls the booking back, so it is never silent. Once per debit attempt.
    Returns whether a mail went out."""
    invoice = payment.invoice
    if invoice is None:
        return False
    return driver_notify(
        driver_id=invoice.driver_id,
        kind=Kind.DIRECT_DEBIT_FAILED,
        key=f"payment:{payment.pk}:{payment.attempts}{':returned' if returned else ''}",
        values={**_invoice_values(invoice), "reason": reason or "-"},
        from_email=invoice.issuer.billing_email,
    )


def dunning_step_tell(*, invoice: Invoice, field: str, now: datetime) -> bool:
    """Send the notice of dunning step `field`, inside the caller's claim of the step (a
    mail error rolls the claim back for the next run). Keyed by the step's time, so a
    sequence started afresh (a returned debit clears the stamps) notifies again. Returns
    whether a mail went out."""
    return driver_notify(
        driver_id=invoice.driver_id,
        kind=DUNNING_KINDS[field],
        key=f"invoice:{invoice.pk}:{now:%Y%m%dT%H%M%S%f}",
        values=_invoice_values(invoice),
        from_email=invoice.issuer.billing_email,
    )


def wallet_low_tell(*, driver, currency: str, debited: Decimal, reference: str) -> bool:
    """After the caller's commit, tell a wallet driver whose balance a debit of `debited`
    has just taken below what a charge needs. Only the debit that crosses the line tells
    (once, keyed by its ledger reference); further sessions while low do not repeat it.
    Returns whether a notice was queued."""
    account = BillingAccount.objects.filter(driver=driver, mode=BillingAccount.Mode.WALLET).first()
    if account is None:
        return False
    threshold = wallet_threshold(account=account)
    balance = wallet_balance(driver=driver, currency=currency)
    if not (balance < threshold <= balance + debited):
        return False
    language = (driver.preferred_language or "en")[:2]
    driver_notify_later(
        driver_id=driver.pk,
        kind=Kind.WALLET_LOW,
        key=reference,
        values={
            "balance": labels.money_text(balance, currency, language),
            "threshold": labels.money_text(threshold, currency, language),
        },
    )
    return True


def _invoice_values(invoice: Invoice) -> dict:
    language = (invoice.driver.preferred_language or "en")[:2]
    return {
        "number": invoice.number,
        "amount": labels.money_text(invoice.total_incl_vat, invoice.currency, language),
        "due": invoice.due_date.isoformat() if invoice.due_date else "",
        # A bank transfer is offered only where the issuer has an account to pay into.
        "reference": invoice.payment_reference if invoice.issuer.iban else "",
        "grace": settings.BILLING_BLOCK_GRACE_DAYS,
    }
