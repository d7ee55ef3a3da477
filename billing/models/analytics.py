from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field, money_field


class AnalyticsSubscription(models.Model):
    """An owner or partner CPO buys the monthly analytics report (stations/selectors/
    analytics_report.py) from the operator that sells it: the fee of each month the
    subscription covers is posted to the ledger and charged on the subscriber's
    settlement statement for that month."""

    subscriber = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, related_name="analytics_subscriptions"
    )
    seller = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="analytics_sold")
    monthly_fee = money_field(help_text=_("Excl. VAT."))
    currency = currency_field()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subscriber__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_fee__gt=0), name="analytics_fee_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="analytics_subscription_forward",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} analytics from {self.seller}: {self.monthly_fee} {self.currency}/month"

    def clean(self) -> None:
        if self.subscriber_id and self.subscriber_id == self.seller_id:
            raise ValidationError({"seller": _("An organisation cannot sell analytics to itself.")})


class AnalyticsReportDelivery(models.Model):
    """The month's report was e-mailed to the subscriber's members: at most once per
    subscription and month (a second run of the monthly task sends nothing)."""

    subscription = models.ForeignKey(AnalyticsSubscription, on_delete=models.CASCADE, related_name="deliveries")
    month = models.DateField(help_text=_("First day of the month reported."))
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "month"], name="analytics_report_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.month:%Y-%m}"
