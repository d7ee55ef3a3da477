from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.bank_reference import rf_reference
from billing.models.fields import currency_field, money_field
from billing.money import money_text


class InvoiceSequence(models.Model):
    """The last number issued per series and year; locked while a number is drawn, so
    numbers are gapless even with concurrent issuers."""

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_year")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class Invoice(models.Model):
    """A driver's monthly invoice or a credit note. Issued documents are never edited."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        SETTLED = "settled", _("Settled (nothing to pay)")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, related_name="invoices")
    issuer = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="issued_invoices")
    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    sequence_number = models.PositiveIntegerField()
    number = models.CharField(max_length=32, unique=True)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Inclusive."))
    currency = currency_field()
    total_excl_vat = money_field()
    total_vat = money_field()
    total_incl_vat = money_field()
    vat_breakdown = models.JSONField(default=list)
    credits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    issued_at = models.DateTimeField()
    due_date = models.DateField(null=True, blank=True, help_text=_("Payment terms: the day payment is due."))
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Payment terms and dunning (billing/services/dunning.py): each step is stamped once,
    # by compare-and-set, when its e-mail is sent; the block needs both reminders first.
    paid_at = models.DateTimeField(null=True, blank=True)
    reminder_1_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_2_sent_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True, help_text=_("When charging was blocked for it."))

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "sequence_number"], name="gapless_invoice_number"),
            models.UniqueConstraint(
                fields=["driver", "issuer", "period_start", "currency"],
                condition=Q(kind="invoice"),
                name="one_invoice_per_driver_period",
            ),
        ]
        indexes = [models.Index(fields=["status", "issued_at"], name="invoice_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.driver} {money_text(self.total_incl_vat, self.currency)} {self.currency}"

    @property
    def payment_reference(self) -> str:
        """The structured creditor reference (ISO 11649) a bank transfer quotes."""
        return rf_reference(self.number)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=255)
    cdr = models.OneToOneField(
        "billing.ChargeDetailRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    membership_fee = models.OneToOneField(
        "billing.MembershipFee", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    reservation_charge = models.OneToOneField(
        "billing.ReservationCharge", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
    )
    # A charge held by an app above billing (a partner CPO's CDR), by its unique reference.
    foreign_reference = models.CharField(max_length=80, null=True, blank=True, unique=True)
    energy_wh = models.BigIntegerField(default=0)
    amount_excl_vat = money_field()
    vat = money_field()
    amount_incl_vat = money_field()
    vat_breakdown = models.JSONField(default=list)

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return f"{self.invoice.number} #{self.position}: {self.description}"
