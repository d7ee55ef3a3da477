"""Uptime per connector per day, computed from status history (see services/uptime.py).
Station, site and month figures are sums of these rows."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ConnectorUptimeDay(models.Model):
    """Seconds of one UTC day of one connector, by state. Recomputing a day overwrites
    its row: the beat task may run as often as it likes."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="uptime_days")
    connector_number = models.PositiveSmallIntegerField()
    day = models.DateField()
    period_seconds = models.PositiveIntegerField(help_text="Seconds observed (the day, or its past part).")
    up_seconds = models.PositiveIntegerField(default=0)
    down_seconds = models.PositiveIntegerField(default=0, help_text="Faulted, Unavailable or offline.")
    maintenance_seconds = models.PositiveIntegerField(
        default=0, help_text="Down during planned maintenance: excluded from downtime, reported here."
    )
    excluded_seconds = models.PositiveIntegerField(
        default=0, help_text="Down for a recorded cause outside our control (OutageExclusion): not outage."
    )
    excluded_by_cause = models.JSONField(default=dict, blank=True, help_text="excluded_seconds by cause.")
    unknown_seconds = models.PositiveIntegerField(default=0, help_text="Before the station entered service.")
    occupied_seconds = models.PositiveIntegerField(default=0, help_text="Preparing … Finishing: for utilisation.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "station", "connector_number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "connector_number", "day"], name="one_uptime_row_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="uptime_day")]

    def __str__(self) -> str:
        return f"{self.station_id}#{self.connector_number} {self.day}: {self.up_seconds}/{self.period_seconds}s up"


class OutageExclusion(models.Model):
    """A stretch of down time staff attribute to a cause the regulations exclude from
    outage (NEVI 23 CFR 680.116(b)(3), UK PCPR 2023 Schedule 2), with the evidence for
    it. Down time inside it is reported as excluded, by cause, not as outage."""

    class Cause(models.TextChoices):
        UTILITY = "utility_outage", _("Electric utility service interruption")
        VEHICLE = "vehicle_fault", _("Failure due to the vehicle")
        VANDALISM = "vandalism", _("Vandalism")
        DISASTER = "natural_disaster", _("Natural disaster")
        SCHEDULED = "scheduled_maintenance", _("Scheduled maintenance (announced)")
        HOURS = "outside_hours", _("Outside the site's hours of operation")

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="exclusions")
    connector_number = models.PositiveSmallIntegerField(default=0, help_text="0 = every connector of the station")
    cause = models.CharField(max_length=24, choices=Cause.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    evidence = models.TextField(help_text="What shows the cause: the utility's notice, a police report number, …")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="exclusion_runs_forward")]
        indexes = [models.Index(fields=["station", "starts_at"], name="exclusion_station_start")]

    def __str__(self) -> str:
        return f"{self.station_id}#{self.connector_number} {self.get_cause_display()} {self.starts_at:%Y-%m-%d %H:%M}"
