from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field

COMMISSION_MIN, COMMISSION_DEFAULT, COMMISSION_MAX = Decimal("5"), Decimal("7.5"), Decimal("10")


class CommissionAgreement(models.Model):
    """What the EMSP earns on a CPO's net charging revenue from the EMSP's drivers. The
    same company may sit on both sides; the split is booked all the same."""

    emsp = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="commission_as_emsp")
    cpo = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="commission_as_cpo")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=COMMISSION_DEFAULT,
        validators=[MinValueValidator(COMMISSION_MIN), MaxValueValidator(COMMISSION_MAX)],
    )
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["emsp__name", "cpo__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=COMMISSION_MIN) & Q(percent__lte=COMMISSION_MAX), name="commission_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emsp} ← {self.cpo}: {self.percent}%"

    def clean(self) -> None:
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The agreement cannot end before it starts.")})


class SettlementStatement(models.Model):
    """A party's closed month: for an owner its share and fixed fee due; for an operator its
    revenue after VAT, commission and owner shares. Unique per (party, role, period,
    currency) and never changed once written: CDRs of this month that come later (offline
    uploads, re-pricing, credits) are settled by the next statement as adjustments."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        OPERATOR = "operator", _("Operator")
        # What we owe a partner CPO for our drivers' charging on its network, less our commission.
        PARTNER_CPO = "cpo", _("Partner CPO")
        # What a partner EMSP owes us for its drivers' charging at our stations, less its commission.
        PARTNER_EMSP = "emsp", _("Partner EMSP")

    party = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="statements")
    role = models.CharField(max_length=8, choices=Role.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Inclusive."))
    currency = currency_field()
    session_count = models.PositiveIntegerField()
    energy_wh = models.BigIntegerField()
    gross_incl_vat = money_field()
    vat = money_field()
    net_revenue = money_field()
    commission = money_field()
    owner_share = money_field()
    fixed_fee = money_field(default=Decimal("0"))
    analytics_fee = money_field(
        default=Decimal("0"), help_text=_("The subscriber's monthly analytics report fee, deducted from the payout.")
    )
    payout_due = money_field()
    lines = models.JSONField(
        default=list, help_text=_("Per station and month of supply; earlier months' rows are adjustments.")
    )
    # Partner statements only: the agreement's payment terms from the statement's date.
    due_on = models.DateField(null=True, blank=True)
    # When the money changed hands (a partner statement settled by bank transfer).
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "party__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "role", "period_start", "currency"], name="one_statement_per_party_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.role} {self.period_start:%Y-%m}: {self.payout_due} {self.currency}"


class SettlementLine(models.Model):
    """One CDR taken into one statement for one role. The unique (cdr, role) pair is what
    makes every CDR's share settled exactly once: a CDR that arrives, is re-priced or is
    credited after its month closed has no line yet, so the next statement takes it."""

    statement = models.ForeignKey(SettlementStatement, on_delete=models.PROTECT, related_name="settled_cdrs")
    cdr = models.ForeignKey(
        "billing.ChargeDetailRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="settlement_lines"
    )
    # Or a charge held by an app above billing (a partner CPO's CDR), by its unique reference.
    foreign_reference = models.CharField(max_length=80, null=True, blank=True)
    role = models.CharField(max_length=8, choices=SettlementStatement.Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cdr", "role"], name="cdr_settled_once_per_role"),
            models.UniqueConstraint(fields=["foreign_reference", "role"], name="foreign_settled_once_per_role"),
        ]

    def __str__(self) -> str:
        return f"CDR {self.cdr_id} in statement {self.statement_id} ({self.role})"
