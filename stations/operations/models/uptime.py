"""Uptime per connector per day, computed from status history (see services/uptime.py).
Station, site and month figures are sums of these rows."""

from django.db import models


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
    unknown_seconds = models.PositiveIntegerField(default=0, help_text="Before the first status we know of.")
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
