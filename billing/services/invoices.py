"""Monthly invoices and credit notes: gapless numbers, one invoice per driver and month,
PDF by e-mail. Issued documents are never edited."""

import calendar
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.documents import labels
from billing.models import (
    BillingAccount,
    ChargeDetailRecord,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    MembershipFee,
    ReservationCharge,
)
from billing.money import ZERO
from billing.pdf import invoice_pdf
from drivers.models import Driver
from stations.models import Organisation

logger = logging.getLogger(__name__)
# Invoices per e-mail task from a monthly run: one broker message per invoice was a third
# of the run's time (docs/benchmarks.md), and a batch still retries without re-sending.
EMAIL_BATCH = 100
# What an invoice line reads of a CDR: a month's run loads every CDR of the month, and the
# full rows (50 columns, with their station's 30) were most of the invoicing time.
CDR_LINE_FIELDS = (
    "driver_id",
    "currency",
    "kind",
    "started_at",
    "stopped_at",
    "energy_wh",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "vat_breakdown",
    "station",
    "station__identity",
    "site__time_zone",
    "station__site__time_zone",
)


@dataclass(frozen=True)
class ForeignCharge:
    """A charge for one of our drivers that a higher app holds (a partner CPO's CDR, held by
    roaming), priced as the driver pays it. `reference` is unique across sources: the
    invoice line keeps it, so the charge is invoiced once."""

    reference: str
    driver_id: int
    currency: str
    description: str
    energy_wh: int
    amount_excl_vat: Decimal
    vat: Decimal
    vat_rate: Decimal


# (issuer, end of the issuer's month) -> the charges that issuer invoices, stopped before `end`.
ForeignChargeSource = Callable[..., Iterable[ForeignCharge]]
_foreign_charge_sources: list[ForeignChargeSource] = []


def foreign_charge_source_register(source: ForeignChargeSource) -> None:
    """Called at start-up by an app above billing whose charges go on the monthly invoice."""
    if source not in _foreign_charge_sources:
        _foreign_charge_sources.append(source)


def _foreign_charges(*, issuer: Organisation, end: datetime) -> list[ForeignCharge]:
    charges = [charge for source in _foreign_charge_sources for charge in source(issuer=issuer, end=end)]
    invoiced = set(
        InvoiceLine.objects.filter(foreign_reference__in=[c.reference for c in charges]).values_list(
            "foreign_reference", flat=True
        )
    )
    return [charge for charge in charges if charge.reference not in invoiced]


def month_bounds(*, period_start: date, time_zone: str) -> tuple[datetime, datetime]:
    """The month starting `period_start` as aware UTC instants, midnight to midnight in
    `time_zone` (so a session at 00:30 local on the 1st belongs to the new month)."""
    zone = ZoneInfo(time_zone)
    next_month = period_start + timedelta(days=calendar.monthrange(period_start.year, period_start.month)[1])
    return (
        datetime.combine(period_start, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC")),
        datetime.combine(next_month, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC")),
    )


def invoices_issue_for_month(*, period_start: date, now: datetime) -> list[int]:
    """Issue every invoice due for the month starting `period_start`: per issuer (the
    driver's EMSP, else the operator), per driver and currency, all CDRs that stopped
    before the month's end in the issuer's zone and all membership fees up to the month,
    not yet invoiced; issuers whose month has not ended in their zone at `now` are left
    for a later run. Idempotent per (driver, issuer, month, currency): a re-run issues
    nothing new.
    Loads lines in bulk (a few queries per invoice, none per CDR); the e-mails go to the
    worker in batches rather than one task per invoice."""
    issued = []
    for issuer in Organisation.objects.filter(Q(is_emsp=True) | Q(is_operator=True)):
        _, end = month_bounds(period_start=period_start, time_zone=issuer.time_zone)
        if now < end:
            continue  # the month has not ended yet in this issuer's zone; a later run picks it up
        groups: dict[tuple[int, str], dict[str, list]] = defaultdict(
            lambda: {"cdrs": [], "fees": [], "held": [], "foreign": []}
        )
        cdrs = (
            ChargeDetailRecord.objects.billable()
            .filter(
                Q(emsp=issuer) | Q(emsp__isnull=True, operator=issuer),
                invoice_line__isnull=True,
                driver__isnull=False,
                stopped_at__lt=end,
            )
            .order_by("driver_id", "stopped_at", "id")
        )
        for cdr in cdrs.select_related("station__site", "site").only(*CDR_LINE_FIELDS):
            groups[(cdr.driver_id, cdr.currency)]["cdrs"].append(cdr)
        fees = MembershipFee.objects.filter(
            subscription__plan__operator=issuer, invoice_line__isnull=True, period_start__lt=end.date()
        ).select_related("subscription__plan")
        for fee in fees:
            groups[(fee.subscription.driver_id, fee.currency)]["fees"].append(fee)
        held = ReservationCharge.objects.filter(
            Q(emsp=issuer) | Q(emsp__isnull=True, operator=issuer),
            invoice_line__isnull=True,
            expired_at__lt=end,
        ).exclude(total_incl_vat=0)
        for charge in held.select_related("station").order_by("expired_at", "id"):
            groups[(charge.driver_id, charge.currency)]["held"].append(charge)
        for charge in _foreign_charges(issuer=issuer, end=end):
            groups[(charge.driver_id, charge.currency)]["foreign"].append(charge)
        for (driver_id, currency), lines in groups.items():
            invoice = invoice_issue(
                driver_id=driver_id,
                issuer=issuer,
                currency=currency,
                period_start=period_start,
                cdrs=lines["cdrs"],
                fees=lines["fees"],
                reservation_charges=lines["held"],
                foreign_charges=lines["foreign"],
                now=now,
                email=False,
            )
            if invoice:
                issued.append(invoice.pk)
    for start in range(0, len(issued), EMAIL_BATCH):
        batch = issued[start : start + EMAIL_BATCH]
        email_invoices.delay(batch)
    return issued


def invoice_issue(
    *,
    driver_id: int,
    issuer: Organisation,
    currency: str,
    period_start: date,
    cdrs: list,
    fees: list,
    now: datetime,
    email: bool = True,
    reservation_charges: list = (),
    foreign_charges: list = (),
) -> Invoice | None:
    """One invoice with a line per CDR and per membership fee. Returns None (and writes
    nothing) if this driver already has an invoice for the month or there is nothing to
    bill. The number is drawn under a row lock, so numbers stay gapless. With `email`,
    the PDF is e-mailed once the invoice is committed; without, the caller sends it."""
    if not cdrs and not fees and not reservation_charges and not foreign_charges:
        return None
    period_end = period_start + timedelta(days=calendar.monthrange(period_start.year, period_start.month)[1] - 1)
    try:
        with transaction.atomic():
            if Invoice.objects.filter(
                driver_id=driver_id,
                issuer=issuer,
                period_start=period_start,
                currency=currency,
                kind=Invoice.Kind.INVOICE,
            ).exists():
                return None
            lines = [_cdr_line(cdr) for cdr in cdrs] + [_fee_line(fee) for fee in fees]
            lines += [_reservation_line(charge) for charge in reservation_charges]
            lines += [_foreign_line(charge) for charge in foreign_charges]
            invoice = _document_create(
                kind=Invoice.Kind.INVOICE,
                series=settings.BILLING_INVOICE_SERIES,
                driver_id=driver_id,
                issuer=issuer,
                currency=currency,
                period_start=period_start,
                period_end=period_end,
                lines=lines,
                now=now,
            )
            if BillingAccount.objects.filter(driver_id=driver_id, mode=BillingAccount.Mode.WALLET).exists():
                # Wallet drivers paid each session as it was priced.
                Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)
            if email:
                email_invoice.delay(invoice.pk)
    except IntegrityError:
        logger.info("Invoice for driver %s, %s already issued by a concurrent run", driver_id, period_start)
        return None
    return invoice


def credit_note_issue(*, credit_cdr: ChargeDetailRecord, now: datetime) -> Invoice | None:
    """A credit note for a credit CDR whose original was already invoiced (if it was not,
    both land on the next invoice and cancel out). Idempotent per credit CDR."""
    original_line = InvoiceLine.objects.filter(cdr_id=credit_cdr.credits_id).select_related("invoice").first()
    if original_line is None or InvoiceLine.objects.filter(cdr=credit_cdr).exists():
        return None
    original = original_line.invoice
    with transaction.atomic():
        note = _document_create(
            kind=Invoice.Kind.CREDIT_NOTE,
            series=settings.BILLING_CREDIT_NOTE_SERIES,
            driver_id=original.driver_id,
            issuer=original.issuer,
            currency=original.currency,
            period_start=original.period_start,
            period_end=original.period_end,
            lines=[_cdr_line(credit_cdr)],
            now=now,
            credits=original,
        )
        email_invoice.delay(note.pk)
    return note


def invoice_email(*, invoice_id: int) -> bool:
    """E-mail the PDF to the driver once (compare-and-set on emailed_at); never to a closed
    account (its address is a placeholder: the driver reads their documents in the export)."""
    invoice = Invoice.objects.select_related("driver__user", "issuer").get(pk=invoice_id)
    if invoice.emailed_at or not invoice.driver.email:
        return False
    if invoice.driver.account_status == Driver.AccountStatus.CLOSED:
        return False
    subject, body = _email_text(invoice)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=invoice.issuer.billing_email or settings.DEFAULT_FROM_EMAIL,
        to=[invoice.driver.email],
    )
    message.attach(f"{invoice.number}.pdf", invoice_pdf(invoice=invoice), "application/pdf")
    with transaction.atomic():
        if not Invoice.objects.filter(pk=invoice_id, emailed_at__isnull=True).update(emailed_at=timezone.now()):
            return False  # another worker sent it
        message.send()
    return True


def _email_text(invoice: Invoice) -> tuple[str, str]:
    """Subject and body in the driver's language (the PDF's words, billing/documents/labels)."""
    language = labels.document_language(invoice.driver.preferred_language)
    words = labels.labels_for(language)
    document = words[invoice.kind] if language == "de" else words[invoice.kind].lower()
    if invoice.status == Invoice.Status.OPEN and invoice.kind == Invoice.Kind.INVOICE:
        terms = timedelta(days=settings.BILLING_PAYMENT_TERMS_DAYS)
        due_date = invoice.due_date or invoice.issued_at.date() + terms
        due = f"{due_date:%d.%m.%Y}" if language == "de" else due_date.isoformat()
        payment = words["email_due"].format(due=due, reference=invoice.payment_reference)
    else:
        payment = words["email_settled"]
    body = words["email_body"].format(
        document=document,
        number=invoice.number,
        period=f"{invoice.period_start:%m/%Y}",
        amount=labels.money_text(invoice.total_incl_vat, invoice.currency, language),
        payment=payment,
    )
    return f"{words[invoice.kind]} {invoice.number}", body


def invoices_email(*, invoice_ids: list[int]) -> int:
    """E-mail each invoice not yet e-mailed; returns how many were sent. A mail server
    refusing one invoice is logged and does not hold back the others; a database error
    propagates so that the task retries (already-sent invoices are skipped then)."""
    sent = 0
    for invoice_id in invoice_ids:
        try:
            sent += invoice_email(invoice_id=invoice_id)
        except (OSError, smtplib.SMTPException):
            logger.exception("Invoice %s could not be e-mailed", invoice_id)
    return sent


def _document_create(*, kind, series, driver_id, issuer, currency, period_start, period_end, lines, now, credits=None):
    issue_date = now.astimezone(ZoneInfo(issuer.time_zone)).date()
    year = issue_date.year
    number = _next_number(series=series, year=year)
    excl = sum((line.amount_excl_vat for line in lines), ZERO)
    vat = sum((line.vat for line in lines), ZERO)
    invoice = Invoice.objects.create(
        kind=kind,
        driver_id=driver_id,
        issuer=issuer,
        series=series,
        year=year,
        sequence_number=number,
        number=f"{series}-{year}-{number:06d}",
        period_start=period_start,
        period_end=period_end,
        currency=currency,
        total_excl_vat=excl,
        total_vat=vat,
        total_incl_vat=excl + vat,
        vat_breakdown=_vat_summary(lines),
        credits=credits,
        status=Invoice.Status.OPEN if excl + vat > 0 else Invoice.Status.SETTLED,
        issued_at=now,
        due_date=issue_date + timedelta(days=settings.BILLING_PAYMENT_TERMS_DAYS),
    )
    for position, line in enumerate(lines, start=1):
        line.invoice, line.position = invoice, position
    InvoiceLine.objects.bulk_create(lines)
    return invoice


def _next_number(*, series: str, year: int) -> int:
    """The next number of the series, in the caller's transaction: the UPDATE holds the
    sequence row's lock until it commits, so numbers stay gapless and unique."""
    sequence = InvoiceSequence.objects.filter(series=series, year=year)
    if not sequence.update(last_number=F("last_number") + 1):
        InvoiceSequence.objects.get_or_create(series=series, year=year)
        sequence.update(last_number=F("last_number") + 1)
    return sequence.values_list("last_number", flat=True).get()


def _cdr_line(cdr: ChargeDetailRecord) -> InvoiceLine:
    label = "Correction" if cdr.kind == ChargeDetailRecord.Kind.CREDIT else "Charging"
    # The site's local time with its zone, as the driver saw it at the charger.
    site = cdr.site or cdr.station.site
    started = cdr.started_at.astimezone(ZoneInfo(site.time_zone if site else "UTC"))
    return InvoiceLine(
        description=f"{label} {started:%Y-%m-%d %H:%M %Z}, {cdr.station.identity}, {cdr.energy_wh / 1000:.3f} kWh",
        cdr=cdr,
        energy_wh=cdr.energy_wh,
        amount_excl_vat=cdr.total_excl_vat,
        vat=cdr.total_vat,
        amount_incl_vat=cdr.total_incl_vat,
        vat_breakdown=cdr.vat_breakdown,
    )


def _fee_line(fee: MembershipFee) -> InvoiceLine:
    return InvoiceLine(
        description=f"Membership {fee.subscription.plan.name}, {fee.period_start:%B %Y}",
        membership_fee=fee,
        amount_excl_vat=fee.amount_excl_vat,
        vat=fee.vat,
        amount_incl_vat=fee.amount_incl_vat,
        vat_breakdown=[{"rate": str(fee.vat_rate), "base": str(fee.amount_excl_vat), "vat": str(fee.vat)}],
    )


def _reservation_line(charge: ReservationCharge) -> InvoiceLine:
    return InvoiceLine(
        description=f"Reservation expired unused {charge.expired_at:%Y-%m-%d %H:%M} UTC, {charge.station.identity}",
        reservation_charge=charge,
        amount_excl_vat=charge.total_excl_vat,
        vat=charge.total_vat,
        amount_incl_vat=charge.total_incl_vat,
        vat_breakdown=charge.vat_breakdown,
    )


def _foreign_line(charge: ForeignCharge) -> InvoiceLine:
    return InvoiceLine(
        description=charge.description,
        foreign_reference=charge.reference,
        energy_wh=charge.energy_wh,
        amount_excl_vat=charge.amount_excl_vat,
        vat=charge.vat,
        amount_incl_vat=charge.amount_excl_vat + charge.vat,
        vat_breakdown=[{"rate": str(charge.vat_rate), "base": str(charge.amount_excl_vat), "vat": str(charge.vat)}],
    )


def _vat_summary(lines: list[InvoiceLine]) -> list[dict]:
    by_rate: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        for part in line.vat_breakdown:
            totals = by_rate.setdefault(Decimal(part["rate"]).quantize(Decimal("0.01")), [ZERO, ZERO])
            totals[0] += Decimal(part["base"])
            totals[1] += Decimal(part["vat"])
    return [{"rate": str(rate), "base": str(base), "vat": str(vat)} for rate, (base, vat) in sorted(by_rate.items())]


# The two tasks this module sends are declared beside it (and re-exported by billing/tasks.py),
# so that the tasks module, which imports the services it runs, and this one never import
# each other. The task class sends them after commit.
_RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(name="billing.tasks.email_invoice", **_RETRY)
def email_invoice(invoice_id: int) -> None:
    invoice_email(invoice_id=invoice_id)


@shared_task(name="billing.tasks.email_invoices", **_RETRY)
def email_invoices(invoice_ids: list[int]) -> int:
    """A batch from the monthly run. Each invoice is sent at most once (invoice_email's
    compare-and-set), so a retry after a failure sends only what is still unsent."""
    return invoices_email(invoice_ids=invoice_ids)
