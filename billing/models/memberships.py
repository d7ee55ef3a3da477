from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field, non_negative_money_field
from billing.money import money_text


class MembershipPlan(models.Model):
    """A subscription: a monthly fee buys included kWh and/or a discount, and may unlock a
    member tariff (a Tariff with membership_plan set)."""

    name = models.CharField(max_length=100)
    operator = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="membership_plans")
    monthly_fee = non_negative_money_field(help_text=_("Excluding VAT."))
    vat_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("19"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    currency = currency_field()
    included_kwh = models.PositiveIntegerField(default=0, help_text=_("Free kWh per calendar month."))
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    discount_per_kwh = non_negative_money_field(default=0, help_text=_("Off the energy price, excl. VAT."))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["operator__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({money_text(self.monthly_fee, self.currency)} {self.currency}/month)"


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLING = "cancelling", _("Cancelled, runs to the end of the period")
        ENDED = "ended", _("Ended")

    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text=_("Last day of membership (set on cancel)."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["driver"], condition=~Q(status="ended"), name="one_live_subscription_per_driver"
            )
        ]

    def __str__(self) -> str:
        return f"{self.driver} → {self.plan.name} ({self.status})"


class MembershipFee(models.Model):
    """The fee for one calendar month of one subscription (prorated by day in the month it
    starts), or the credit for the unused days of a month when a membership ends early
    (switch of plan, closed account). Unique per (subscription, month, kind), so beat and
    retries can re-run."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee")
        CREDIT = "credit", _("Credit for unused days")

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="fees")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FEE)
    period_start = models.DateField()
    days = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Days charged or credited."))
    amount_excl_vat = money_field()
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat = money_field()
    amount_incl_vat = money_field()
    currency = currency_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start", "kind"], name="one_fee_per_subscription_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription.plan.name} {self.period_start:%Y-%m}: {money_text(self.amount_incl_vat, self.currency)} {self.currency}"
