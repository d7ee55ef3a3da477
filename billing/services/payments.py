"""Collecting money: invoice charges on saved cards, retries on a schedule, overdue
accounts, ad-hoc pre-authorisation and capture, and the bookings for each."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import Account, AdHocCharge, BillingAccount, ChargeDetailRecord, Invoice, Payment
from billing.selectors.cdrs import cdr_in_force
from billing.selectors.payment_methods import card_payments_available
from billing.services import ledger, payment_notices
from billing.services.providers import PaymentProvider, ProviderResult, provider_get
from billing.services.sepa_debits import SEPA, sepa_debit_announce, sepa_failure_tell
from drivers.models import Driver, Token
from drivers.services.tokens import token_block, token_create

logger = logging.getLogger(__name__)
# Stripe releases uncaptured holds after 7 days; the one-off token lives far shorter.
AD_HOC_TOKEN_HOURS = 24


class PaymentError(ValueError):
    """A payment that cannot be attempted as asked (nothing is charged)."""


def invoice_payments_collect(*, now: datetime, provider: PaymentProvider | None = None) -> list[int]:
    """Charge every open invoice that has no payment yet to its driver's saved card.
    Invoices of drivers without a saved card (or on a site without card payments) are
    left open: they are paid by transfer, wallet or in the portal, and dunning
    (billing/services/dunning.py) reminds before anything is blocked. Idempotent."""
    if provider is None and not card_payments_available():
        return []
    invoices = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN, payments__isnull=True)
        .exclude(driver__billing_account__stripe_payment_method_id="")
        .filter(driver__billing_account__isnull=False)
        .select_related("driver__billing_account")
    )
    return [invoice_payment_collect(invoice=invoice, now=now, provider=provider).pk for invoice in invoices]


def invoice_payment_collect(*, invoice: Invoice, now: datetime, provider: PaymentProvider | None = None) -> Payment:
    """Charge the invoice to the driver's saved card. One Payment per invoice (its
    idempotency key is derived from the invoice), so a repeat returns the same row.
    A decline marks the driver overdue and schedules a retry."""
    payment, created = Payment.objects.get_or_create(
        idempotency_key=f"invoice-{invoice.pk}",
        defaults={
            "provider": Payment.Provider.STRIPE,
            "purpose": Payment.Purpose.INVOICE,
            "driver_id": invoice.driver_id,
            "invoice": invoice,
            "amount": invoice.total_incl_vat,
            "currency": invoice.currency,
        },
    )
    if not created:
        return payment
    return _attempt(payment=payment, now=now, provider=provider)


def payments_retry_due(*, now: datetime, provider: PaymentProvider | None = None) -> list[int]:
    """Retry failed invoice payments whose retry time has come, and submit the SEPA debits
    whose announced date has come."""
    due = Payment.objects.filter(purpose=Payment.Purpose.INVOICE, next_retry_at__lte=now).filter(
        Q(status=Payment.Status.FAILED) | Q(status=Payment.Status.PENDING, method_type=SEPA)
    )
    return [_attempt(payment=payment, now=now, provider=provider).pk for payment in due]


def payments_retry(*, payment_ids: list[int], now: datetime, provider: PaymentProvider | None = None) -> list[int]:
    """Retry these failed invoice payments now, whatever their schedule (staff's "retry
    now"); other payments and those not failed are left alone. Returns the ids retried."""
    chosen = Payment.objects.filter(
        pk__in=payment_ids, purpose=Payment.Purpose.INVOICE, status=Payment.Status.FAILED
    ).order_by("pk")
    return [_attempt(payment=payment, now=now, provider=provider).pk for payment in chosen]


def _attempt(*, payment: Payment, now: datetime, provider: PaymentProvider | None) -> Payment:
    account = BillingAccount.objects.filter(driver_id=payment.driver_id).first()
    if account is not None and account.stripe_payment_method_id and account.payment_method_type == SEPA:
        # A direct debit is announced (amount, date) before it is taken, each time.
        if payment.debit_on is None:
            return sepa_debit_announce(payment=payment, account=account, now=now)
        if payment.debit_on > timezone.localdate(now):
            return payment
    # Claim the attempt first (compare-and-set), so two workers never charge in parallel.
    attempt = payment.attempts + 1
    method_type = account.payment_method_type if account is not None else ""
    claimed = (
        Payment.objects.filter(pk=payment.pk, attempts=payment.attempts)
        .exclude(status=Payment.Status.SUCCEEDED)
        .update(attempts=attempt, status=Payment.Status.PENDING, next_retry_at=None, method_type=method_type)
    )
    if not claimed:
        payment.refresh_from_db()
        return payment
    if account is None or not account.stripe_payment_method_id:
        result = ProviderResult("failed", "", "No saved card on file.")
    else:
        result = (provider or provider_get()).charge(
            amount=payment.amount,
            currency=payment.currency,
            customer=account.stripe_customer_id,
            payment_method=account.stripe_payment_method_id,
            key=f"{payment.idempotency_key}-attempt-{attempt}",
            description=f"Invoice {payment.invoice.number}" if payment.invoice_id else "Charging",
            method_type=method_type or "card",
        )
    return payment_result_apply(payment_id=payment.pk, result=result, now=now)


def payment_result_apply(*, payment_id: int, result: ProviderResult, now: datetime) -> Payment:
    """Book what the provider reported (synchronously or by webhook). Idempotent: a
    settled payment stays settled and is booked once."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if result.reference and not payment.provider_reference:
            payment.provider_reference = result.reference
        if payment.status in (Payment.Status.SUCCEEDED, Payment.Status.CANCELED):
            payment.save(update_fields=["provider_reference", "updated_at"])
            return payment
        if result.status == Payment.Status.SUCCEEDED:
            _settle(payment, now)
        elif result.status in (Payment.Status.FAILED, "error"):
            _fail(payment, result, now)
        else:
            payment.status = result.status
        payment.save()
    return payment


def _settle(payment: Payment, now: datetime) -> None:
    payment.status = Payment.Status.SUCCEEDED
    payment.captured_amount = payment.amount
    payment.settled_at = now
    payment.failure_message = ""
    payment.next_retry_at = None
    if payment.provider == Payment.Provider.WALLET:
        # Paid from the prepaid balance: the wallet (a liability) shrinks instead of cash arriving.
        clearing = ledger.account_get(kind=Account.Kind.DRIVER_WALLET, currency=payment.currency, driver=payment.driver)
    else:
        clearing = ledger.account_get(kind=Account.Kind.PAYMENT_CLEARING, currency=payment.currency)
    if payment.purpose == Payment.Purpose.WALLET_REFUND:
        # Unused prepaid balance back to the card: our wallet liability shrinks as the cash leaves.
        wallet = ledger.account_get(kind=Account.Kind.DRIVER_WALLET, currency=payment.currency, driver=payment.driver)
        ledger.transaction_post(
            reference=f"payment:{payment.pk}",
            kind="wallet_refund",
            occurred_at=now,
            postings=[(wallet, payment.amount), (clearing, -payment.amount)],
            description=f"Wallet balance refunded to the card of top-up {payment.refund_of_id}",
        )
        return
    if payment.purpose == Payment.Purpose.REFUND:
        # Money goes back out: the driver's credit (from a credit note) is used up.
        receivable = ledger.account_get(
            kind=Account.Kind.DRIVER_RECEIVABLE, currency=payment.currency, driver=payment.driver
        )
        ledger.transaction_post(
            reference=f"payment:{payment.pk}",
            kind="payment_refund",
            occurred_at=now,
            postings=[(receivable, payment.amount), (clearing, -payment.amount)],
            description=f"Refund of payment {payment.refund_of_id}",
        )
        return
    if payment.purpose == Payment.Purpose.TOP_UP:
        counter = ledger.account_get(kind=Account.Kind.DRIVER_WALLET, currency=payment.currency, driver=payment.driver)
    else:
        counter = ledger.account_get(
            kind=Account.Kind.DRIVER_RECEIVABLE, currency=payment.currency, driver=payment.driver
        )
    ledger.transaction_post(
        reference=f"payment:{payment.pk}",
        kind=f"payment_{payment.purpose}",
        occurred_at=now,
        postings=[(clearing, payment.amount), (counter, -payment.amount)],
        description=f"{payment.get_purpose_display()} via {payment.provider}",
    )
    if payment.invoice_id:
        Invoice.objects.filter(pk=payment.invoice_id).exclude(status=Invoice.Status.PAID).update(
            status=Invoice.Status.PAID, paid_at=now
        )
    if payment.driver_id:
        block_lift_if_settled(driver_id=payment.driver_id)


def payment_reverse(*, payment_id: int, reason: str, now: datetime) -> Payment:
    """A settled direct debit came back days later (returned by the bank or disputed): the
    money leaves clearing again, the invoice is open again with its dunning started afresh
    (reminders, then a block only after both), and the driver is e-mailed at once.
    Idempotent: a payment not (or no longer) settled is left alone."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.SUCCEEDED or payment.purpose != Payment.Purpose.INVOICE:
            return payment
        clearing = ledger.account_get(kind=Account.Kind.PAYMENT_CLEARING, currency=payment.currency)
        receivable = ledger.account_get(
            kind=Account.Kind.DRIVER_RECEIVABLE, currency=payment.currency, driver=payment.driver
        )
        ledger.transaction_post(
            reference=f"payment:{payment.pk}:returned",
            kind="payment_returned",
            occurred_at=now,
            postings=[(receivable, payment.amount), (clearing, -payment.amount)],
            description=f"Payment {payment.pk} returned: {reason}"[:255],
        )
        payment.status = Payment.Status.FAILED
        payment.failure_message = reason[:255]
        payment.captured_amount = Decimal(0)
        payment.next_retry_at = payment.debit_on = None
        payment.save()
        if payment.invoice_id:
            Invoice.objects.filter(pk=payment.invoice_id, status=Invoice.Status.PAID).update(
                status=Invoice.Status.OPEN,
                paid_at=None,
                reminder_1_sent_at=None,
                reminder_2_sent_at=None,
                blocked_at=None,
            )
        sepa_failure_tell(payment=payment, reason=payment.failure_message, returned=True)
    logger.warning("Payment %s was returned after it settled: %s", payment.pk, reason)
    return payment


def block_lift_if_settled(*, driver_id: int) -> bool:
    """Lift a payment block once no invoice that caused one is still open."""
    still_blocked = Invoice.objects.filter(
        driver_id=driver_id, status=Invoice.Status.OPEN, blocked_at__isnull=False
    ).exists()
    if still_blocked:
        return False
    return bool(
        Driver.objects.filter(pk=driver_id, account_status=Driver.AccountStatus.OVERDUE).update(
            account_status=Driver.AccountStatus.ACTIVE
        )
    )


def _fail(payment: Payment, result: ProviderResult, now: datetime) -> None:
    payment.status = Payment.Status.FAILED
    payment.failure_message = result.failure_message[:255]
    schedule = settings.BILLING_PAYMENT_RETRY_HOURS
    payment.next_retry_at = (
        now + timedelta(hours=schedule[payment.attempts - 1]) if payment.attempts <= len(schedule) else None
    )
    if payment.method_type == SEPA and result.status == Payment.Status.FAILED:
        # No automatic re-debit: another one needs its own notice; the driver is told now.
        payment.next_retry_at = payment.debit_on = None
        # Told inside the booking: a mail error rolls it back and the webhook is retried.
        sepa_failure_tell(payment=payment, reason=payment.failure_message)
    elif result.status == Payment.Status.FAILED and payment.purpose == Payment.Purpose.INVOICE:
        # A declined card: told once after the booking commits, with the next try.
        payment_notices.card_payment_failed_tell(payment=payment)
    # A decline does not block by itself: the invoice stays open and dunning reminds the
    # driver (twice, by e-mail) before charging is blocked.
    logger.warning("Payment %s failed (attempt %s): %s", payment.pk, payment.attempts, payment.failure_message)


def payment_refund(*, payment: Payment, amount: Decimal, key: str, provider: PaymentProvider | None = None) -> Payment:
    """Give back up to what was captured and not yet refunded (e.g. after a credit note
    for a paid invoice). Idempotent per `key`. Raises PaymentError for a payment that did
    not succeed, a non-positive amount or more than is left to refund."""
    if payment.status != Payment.Status.SUCCEEDED or payment.purpose == Payment.Purpose.REFUND:
        raise PaymentError("Only a succeeded payment can be refunded.")
    if payment.purpose == Payment.Purpose.TOP_UP:
        raise PaymentError("A top-up is refunded from the wallet's balance: use wallet_refund.")
    key = f"refund-{payment.pk}-{key}"
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    refunded = sum(
        (r.amount for r in payment.refunds.exclude(status__in=[Payment.Status.FAILED, Payment.Status.CANCELED])),
        Decimal(0),
    )
    if amount <= 0 or amount > payment.captured_amount - refunded:
        raise PaymentError(
            f"A refund must be positive and at most {payment.captured_amount - refunded} {payment.currency}."
        )
    refund = Payment.objects.create(
        provider=payment.provider,
        purpose=Payment.Purpose.REFUND,
        driver_id=payment.driver_id,
        invoice_id=payment.invoice_id,
        refund_of=payment,
        amount=amount,
        currency=payment.currency,
        idempotency_key=key,
        attempts=1,
    )
    result = (provider or provider_get()).refund(
        reference=payment.provider_reference, amount=amount, currency=payment.currency, key=key
    )
    return payment_result_apply(payment_id=refund.pk, result=result, now=timezone.now())


# --- wallet ------------------------------------------------------------------------------


def wallet_top_up(
    *, driver: Driver, amount: Decimal, currency: str, key: str, provider: PaymentProvider | None = None
) -> Payment:
    """Charge the saved card and credit the wallet. `key` (from the client) makes a
    repeated request return the same payment. Raises PaymentError for a non-positive amount."""
    if amount <= 0:
        raise PaymentError("A top-up must be a positive amount.")
    # Refused before a Payment row exists: a method that cannot work stores nothing.
    if provider is None and not card_payments_available():
        raise PaymentError("Card payments are not configured on this site.")
    # A top-up is taken at once; a direct debit settles days later and needs a notice first.
    if (
        not BillingAccount.objects.filter(driver=driver, payment_method_type="card")
        .exclude(stripe_payment_method_id="")
        .exists()
    ):
        raise PaymentError("Save a card first to top up.")
    try:
        payment, created = Payment.objects.get_or_create(
            idempotency_key=f"topup-{driver.pk}-{key}",
            defaults={
                "provider": Payment.Provider.STRIPE,
                "purpose": Payment.Purpose.TOP_UP,
                "driver": driver,
                "amount": amount,
                "currency": currency,
            },
        )
    except IntegrityError:
        payment, created = Payment.objects.get(idempotency_key=f"topup-{driver.pk}-{key}"), False
    if not created:
        return payment
    return _attempt(payment=payment, now=timezone.now(), provider=provider)


def wallet_debit_for_cdr(*, cdr: ChargeDetailRecord) -> None:
    """A wallet driver pays each session when it is priced (a credit CDR refunds it); a
    debit that takes the balance below what a charge needs tells the driver to top up."""
    if not cdr.driver_id:
        return
    reference = f"wallet:cdr:{cdr.pk}"
    debited = wallet_debit(
        driver=cdr.driver,
        amount=cdr.total_incl_vat,
        currency=cdr.currency,
        reference=reference,
        occurred_at=cdr.stopped_at,
        description=f"Wallet pays session {cdr.session_id}",
    )
    if debited and cdr.total_incl_vat > 0:
        payment_notices.wallet_low_tell(
            driver=cdr.driver, currency=cdr.currency, debited=cdr.total_incl_vat, reference=reference
        )


def wallet_debit(
    *, driver, amount: Decimal, currency: str, reference: str, occurred_at: datetime, description: str
) -> bool:
    """Move `amount` from the driver's wallet to what they owe, if they pay by wallet.
    Idempotent per reference; a negative amount refunds. Returns whether it posted."""
    if not amount or not BillingAccount.objects.filter(driver=driver, mode=BillingAccount.Mode.WALLET).exists():
        return False
    wallet = ledger.account_get(kind=Account.Kind.DRIVER_WALLET, currency=currency, driver=driver)
    receivable = ledger.account_get(kind=Account.Kind.DRIVER_RECEIVABLE, currency=currency, driver=driver)
    _, created = ledger.transaction_post(
        reference=reference,
        kind="wallet_debit",
        occurred_at=occurred_at,
        postings=[(wallet, amount), (receivable, -amount)],
        description=description,
    )
    return created


# --- ad-hoc (no account): pre-authorise, capture at stop -------------------------------------


def ad_hoc_authorize(
    *, payment_method: str, currency: str, key: str, provider: PaymentProvider | None = None
) -> Payment:
    """Hold BILLING_AD_HOC_PREAUTH_AMOUNT on a card for a session without an account and
    return the Payment; its `id_tag` is the one-off token to start the session with.
    Idempotent per client key."""
    amount = Decimal(settings.BILLING_AD_HOC_PREAUTH_AMOUNT)
    payment, created = Payment.objects.get_or_create(
        idempotency_key=f"adhoc-{key}",
        defaults={
            "provider": Payment.Provider.STRIPE,
            "purpose": Payment.Purpose.AD_HOC,
            "amount": amount,
            "currency": currency,
        },
    )
    if not created:
        return payment
    id_tag = f"ADHOC{payment.pk:015d}"
    Payment.objects.filter(pk=payment.pk).update(id_tag=id_tag)
    result = (provider or provider_get()).authorize(
        amount=amount,
        currency=currency,
        payment_method=payment_method,
        key=payment.idempotency_key,
        description="Ad-hoc charging",
    )
    if result.status == "error":
        # Not the card's fault and nothing is held: the driver is told to try again (with a
        # fresh form, hence a fresh key), not shown the network error.
        result = ProviderResult(
            "failed", result.reference, "The card processor could not be reached. Please try again."
        )
    payment = payment_result_apply(payment_id=payment.pk, result=result, now=timezone.now())
    if payment.status == Payment.Status.REQUIRES_CAPTURE:
        # A one-off token without a driver: token authorization accepts it until the
        # session is captured (then it is blocked) or it expires.
        token_create(
            uid=id_tag,
            kind=Token.Kind.CONTRACT,
            label="Ad-hoc card payment",
            expires_at=timezone.now() + timedelta(hours=AD_HOC_TOKEN_HOURS),
        )
    return payment


def ad_hoc_capture_for_session(*, session_id: int, provider: PaymentProvider | None = None) -> Payment | None:
    """At stop, capture the session's price from its hold (at most the held amount) and
    release the rest; nothing to capture cancels the hold. Idempotent."""
    cdr = cdr_in_force(session_id=session_id)
    if cdr is not None and not ChargeDetailRecord.objects.billable().filter(pk=cdr.pk).exists():
        cdr = None
    if cdr is None:
        return None  # not priced yet, or held for review: captured once it is released
    payment = Payment.objects.filter(purpose=Payment.Purpose.AD_HOC, id_tag=cdr.id_tag).first()
    if payment is None or payment.status != Payment.Status.REQUIRES_CAPTURE:
        return payment
    provider = provider or provider_get()
    # More than was held cannot be taken from the card: the rest stays owed on the
    # anonymous receivable and is recorded on the charge for staff (the shortfall).
    amount = min(cdr.total_incl_vat, payment.amount)
    if amount <= 0:
        result = provider.cancel(reference=payment.provider_reference, key=f"{payment.idempotency_key}-cancel")
    else:
        result = provider.capture(
            reference=payment.provider_reference,
            amount=amount,
            currency=payment.currency,
            key=f"{payment.idempotency_key}-capture",
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.REQUIRES_CAPTURE:
            return locked
        locked.session_id = session_id
        if result.status in (Payment.Status.SUCCEEDED, Payment.Status.CANCELED):
            token = Token.objects.filter(uid=locked.id_tag).first()
            if token:
                token_block(token=token)
        if result.status == Payment.Status.SUCCEEDED:
            locked.amount = amount
            _settle(locked, timezone.now())
            shortfall = cdr.total_incl_vat - amount
            if shortfall > 0:
                AdHocCharge.objects.filter(payment=locked).update(shortfall=shortfall)
                logger.warning(
                    "Ad-hoc payment %s: session %s cost %s more than was held", locked.pk, session_id, shortfall
                )
        else:
            locked.status = result.status if result.status != "error" else locked.status
            locked.failure_message = result.failure_message[:255]
        locked.save()
    return locked


def ad_hoc_hold_release(*, payment: Payment, provider: PaymentProvider | None = None) -> Payment:
    """Release an ad-hoc hold whose charge never started (the charger refused or stayed
    silent): nothing is taken and the one-off token is blocked. Idempotent: only a hold
    still awaiting capture is released; a transient provider error leaves it to retry."""
    if payment.purpose != Payment.Purpose.AD_HOC or payment.status != Payment.Status.REQUIRES_CAPTURE:
        return payment
    result = (provider or provider_get()).cancel(
        reference=payment.provider_reference, key=f"{payment.idempotency_key}-cancel"
    )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.REQUIRES_CAPTURE or result.status != Payment.Status.CANCELED:
            return locked
        locked.status = Payment.Status.CANCELED
        locked.save(update_fields=["status", "updated_at"])
        token = Token.objects.filter(uid=locked.id_tag).first()
        if token:
            token_block(token=token)
    return locked
