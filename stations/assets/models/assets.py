"""A station's asset history (what was installed, replaced, upgraded, retired, and what
it cost) and the price of the energy a site buys."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class AssetEvent(models.Model):
    """One thing that happened to a station's hardware, with its capital cost."""

    class Kind(models.TextChoices):
        INSTALLED = "installed", _("Installed")
        REPLACED = "replaced", _("Replaced")
        POWER_UPGRADED = "power_upgraded", _("Power upgraded")
        DECOMMISSIONED = "decommissioned", _("Decommissioned")

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.PROTECT, related_name="asset_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_on = models.DateField()
    capex = models.DecimalField(max_digits=12, decimal_places=2, default=0, help_text="Capital cost, excl. VAT.")
    currency = models.CharField(max_length=3, default="EUR")
    power_kw_after = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, help_text="The station's power after this event."
    )
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["station", "occurred_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(capex__gte=0), name="asset_capex_not_negative")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_kind_display()} {self.occurred_on}"


class EnergyPrice(models.Model):
    """What a site pays per kWh from `valid_from`, all day or within a local time window
    (a night rate): the window that contains a session's local start wins over all-day."""

    site = models.ForeignKey("stations.Site", on_delete=models.CASCADE, related_name="energy_prices")
    valid_from = models.DateField()
    price_per_kwh = models.DecimalField(max_digits=8, decimal_places=5, help_text="Excl. VAT.")
    currency = models.CharField(max_length=3, default="EUR")
    local_start = models.TimeField(null=True, blank=True, help_text="Empty: all day.")
    local_end = models.TimeField(null=True, blank=True, help_text="Before local_start: runs past midnight.")

    class Meta:
        ordering = ["site", "-valid_from", "local_start"]
        constraints = [
            models.CheckConstraint(condition=Q(price_per_kwh__gte=0), name="energy_price_not_negative"),
            models.CheckConstraint(
                condition=(Q(local_start__isnull=True) & Q(local_end__isnull=True))
                | (Q(local_start__isnull=False) & Q(local_end__isnull=False) & ~Q(local_start=F("local_end"))),
                name="energy_price_window_whole",
            ),
        ]

    def __str__(self) -> str:
        window = f" {self.local_start:%H:%M}–{self.local_end:%H:%M}" if self.local_start else ""
        return f"{self.site_id} from {self.valid_from}{window}: {self.price_per_kwh} {self.currency}/kWh"

    def covers(self, local_time) -> bool:
        if self.local_start is None:
            return True
        if self.local_start < self.local_end:
            return self.local_start <= local_time < self.local_end
        return local_time >= self.local_start or local_time < self.local_end


class LabourRate(models.Model):
    """What an hour of work on a work order costs: a technician's own rate, or the default
    (no technician) for everyone without one, per currency. Time recorded on work orders
    (`time_spent_minutes`) is priced with it into maintenance cost."""

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="labour_rates",
        help_text="Empty: the default rate.",
    )
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, help_text="Per hour, excl. VAT.")
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["currency", "technician"]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="labour_rate_not_negative"),
            models.UniqueConstraint(fields=["technician", "currency"], name="labour_rate_one_per_technician"),
            models.UniqueConstraint(
                fields=["currency"], condition=Q(technician__isnull=True), name="labour_rate_one_default"
            ),
        ]

    def __str__(self) -> str:
        who = self.technician or "default"
        return f"{who}: {self.hourly_rate} {self.currency}/h"
