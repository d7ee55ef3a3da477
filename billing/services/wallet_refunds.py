"""Paying back unused prepaid balance: to the cards it came from, through the provider's
refunds, booked wallet → payment clearing. A top-up carried no VAT and is on no invoice (the
sessions it paid are), so no credit note is due: the refund Payment rows and their ledger
transactions are the record, listed with the driver's payments."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.models import BillingAccount, Payment
from billing.money import money_text
from billing.selectors.ledger import wallet_balance
from billing.services.payments import PaymentError, payment_result_apply
from billing.services.providers import PaymentProvider, provider_get
from drivers.models import Driver

UNDER_WAY = (Payment.Status.PENDING, Payment.Status.REQUIRES_CAPTURE)
SPENT = (Payment.Status.FAILED, Payment.Status.CANCELED)


def wallet_refund(
    *, driver: Driver, amount: Decimal, currency: str, key: str, provider: PaymentProvider | None = None
) -> list[Payment]:
    """Refund `amount` of the wallet's balance to the cards of its top-ups, newest first
    (one provider refund per top-up touched). Idempotent per `key`: a repeat returns the
    same refunds and only re-sends one the provider never answered. Raises PaymentError
    for a non-positive amount, more than the balance less refunds under way, or more than
    the succeeded top-ups have left to refund (nothing is created then)."""
    prefix = f"wallet-refund-{driver.pk}-{key}-"
    refunds = list(Payment.objects.filter(idempotency_key__startswith=prefix).order_by("pk"))
    if not refunds:
        refunds = _refunds_create(driver=driver, amount=amount, currency=currency, prefix=prefix)
    for refund in refunds:
        if refund.status == Payment.Status.PENDING and not refund.provider_reference:
            result = (provider or provider_get()).refund(
                reference=refund.refund_of.provider_reference,
                amount=refund.amount,
                currency=refund.currency,
                key=refund.idempotency_key,
            )
            payment_result_apply(payment_id=refund.pk, result=result, now=timezone.now())
    return [Payment.objects.get(pk=refund.pk) for refund in refunds]


@transaction.atomic
def _refunds_create(*, driver: Driver, amount: Decimal, currency: str, prefix: str) -> list[Payment]:
    if amount <= 0:
        raise PaymentError("A refund must be a positive amount.")
    # One refund at a time per driver, so that two cannot both pass the balance check.
    list(BillingAccount.objects.select_for_update().filter(driver=driver))
    under_way = Payment.objects.filter(
        driver=driver, purpose=Payment.Purpose.WALLET_REFUND, currency=currency, status__in=UNDER_WAY
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    available = wallet_balance(driver=driver, currency=currency) - under_way
    if amount > available:
        left = money_text(max(available, Decimal(0)), currency)
        raise PaymentError(f"At most {left} {currency} is left in the wallet to refund.")
    parts, rest = [], amount
    top_ups = Payment.objects.filter(
        driver=driver, purpose=Payment.Purpose.TOP_UP, status=Payment.Status.SUCCEEDED, currency=currency
    ).order_by("-settled_at", "-pk")
    for top_up in top_ups:
        refunded = top_up.refunds.exclude(status__in=SPENT).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        part = min(top_up.captured_amount - refunded, rest)
        if part > 0:
            parts.append((top_up, part))
            rest -= part
        if not rest:
            break
    if rest:
        raise PaymentError("The card top-ups cannot take back that much; pay the rest by bank transfer.")
    return [
        Payment.objects.create(
            provider=top_up.provider,
            purpose=Payment.Purpose.WALLET_REFUND,
            driver=driver,
            refund_of=top_up,
            amount=part,
            currency=currency,
            idempotency_key=f"{prefix}{top_up.pk}",
            attempts=1,
        )
        for top_up, part in parts
    ]
