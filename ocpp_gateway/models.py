from django.db import models

from ocpp_gateway.security.models import ChargerCertificate, InstalledCertificate, SecurityEvent  # noqa: F401


class MessageLog(models.Model):
    """Every OCPP frame in and out, as parsed (or as raw text when it could not be parsed).
    Pruned after OCPP_MESSAGE_LOG_RETENTION_DAYS by `ocpp_gateway.tasks.message_log_prune`."""

    class Direction(models.TextChoices):
        IN = "in", "Charger → CSMS"
        OUT = "out", "CSMS → charger"

    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, related_name="ocpp_messages", null=True, blank=True
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_type = models.PositiveSmallIntegerField(help_text="2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unreadable")
    message_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(null=True, blank=True)
    raw = models.TextField(blank=True, help_text="The frame as received, when it could not be parsed (truncated).")
    note = models.CharField(max_length=255, blank=True, help_text="Why a frame was refused or dropped.")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["station", "created_at"], name="message_log_station_time"),
            models.Index(fields=["message_id"], name="message_log_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.action or self.message_type} {self.message_id}"


class ConfigurationKey(models.Model):
    """A station's configuration as last reported by GetConfiguration.conf."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="configuration_keys")
    key = models.CharField(max_length=50)
    value = models.TextField(null=True, blank=True)
    readonly = models.BooleanField(default=False)
    known = models.BooleanField(default=True, help_text="False: the station reported the key as unknown.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["station", "key"]
        constraints = [models.UniqueConstraint(fields=["station", "key"], name="unique_configuration_key")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.key}={self.value}"


class StationProtocolState(models.Model):
    """Protocol-level facts about a station that the registry does not hold."""

    station = models.OneToOneField("stations.ChargingStation", on_delete=models.CASCADE, related_name="protocol_state")
    local_list_version = models.IntegerField(null=True, blank=True, help_text="As confirmed by the station.")
    local_list_updated_at = models.DateTimeField(null=True, blank=True)
    firmware_status = models.CharField(max_length=32, blank=True)
    firmware_status_at = models.DateTimeField(null=True, blank=True)
    diagnostics_status = models.CharField(max_length=32, blank=True)
    diagnostics_status_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"protocol state of {self.station_id}"
