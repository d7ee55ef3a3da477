"""Dunning: what happens to an invoice that is not paid by its due date. A sequence, each
step once per invoice (compare-and-set on its timestamp) and each with an e-mail:

The e-mails are driver notifications (billing/services/payment_notices.py): in the driver's
language, listed in the portal, never to a closed account (its steps still happen).

1. first reminder, BILLING_REMINDER_1_DAYS after the due date;
2. second reminder, BILLING_REMINDER_2_DAYS after the due date (and at least the difference
   after the first was sent), announcing the block;
3. block (the driver becomes overdue: portal and charger refuse to start), at least
   BILLING_BLOCK_GRACE_DAYS after the second reminder was *sent* — never without both
   notices. Paying the invoice lifts the block (payments.block_lift_if_settled)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing.models import Invoice, Payment
from billing.services import payment_notices
from drivers.models import Driver

logger = logging.getLogger(__name__)


def invoices_dun(*, now: datetime) -> dict[str, list[int]]:
    """Take every overdue invoice one step further where its time has come. Safe to run
    twice (and in parallel): each step is claimed by compare-and-set before its e-mail."""
    today = timezone.localdate(now)
    # An invoice whose direct debit is announced or under way is not overdue: the bank decides.
    debit_under_way = Payment.objects.filter(
        invoice=OuterRef("pk"), status=Payment.Status.PENDING, method_type="sepa_debit"
    )
    open_invoices = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN, due_date__isnull=False)
        .exclude(Exists(debit_under_way))
        .select_related("driver__user", "issuer")
    )
    done: dict[str, list[int]] = {"reminder_1": [], "reminder_2": [], "block": []}
    first = open_invoices.filter(
        reminder_1_sent_at__isnull=True, due_date__lte=today - timedelta(days=settings.BILLING_REMINDER_1_DAYS)
    )
    for invoice in first:
        if _step(invoice=invoice, field="reminder_1_sent_at", now=now):
            done["reminder_1"].append(invoice.pk)
    # The second reminder also waits its interval after the first was *sent*, so a run
    # that finds an invoice long overdue does not send both on the same day.
    gap = timedelta(days=settings.BILLING_REMINDER_2_DAYS - settings.BILLING_REMINDER_1_DAYS)
    second = open_invoices.filter(
        reminder_1_sent_at__lte=now - gap,
        reminder_2_sent_at__isnull=True,
        due_date__lte=today - timedelta(days=settings.BILLING_REMINDER_2_DAYS),
    )
    for invoice in second:
        if _step(invoice=invoice, field="reminder_2_sent_at", now=now):
            done["reminder_2"].append(invoice.pk)
    to_block = open_invoices.filter(
        reminder_1_sent_at__isnull=False,
        blocked_at__isnull=True,
        reminder_2_sent_at__lte=now - timedelta(days=settings.BILLING_BLOCK_GRACE_DAYS),
    )
    for invoice in to_block:
        if _step(invoice=invoice, field="blocked_at", now=now):
            Driver.objects.filter(pk=invoice.driver_id, account_status=Driver.AccountStatus.ACTIVE).update(
                account_status=Driver.AccountStatus.OVERDUE
            )
            done["block"].append(invoice.pk)
    return done


def _step(*, invoice: Invoice, field: str, now: datetime) -> bool:
    with transaction.atomic():
        claimed = Invoice.objects.filter(pk=invoice.pk, status=Invoice.Status.OPEN, **{f"{field}__isnull": True})
        if not claimed.update(**{field: now}):
            return False  # another worker took this step, or the invoice was paid meanwhile
        # Told inside the claim: a mail server error rolls the stamp back and the next run retries.
        if not payment_notices.dunning_step_tell(invoice=invoice, field=field, now=now):
            logger.warning("Invoice %s: dunning step %s without an e-mail to its driver", invoice.number, field)
    return True
