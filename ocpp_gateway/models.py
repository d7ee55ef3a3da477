import uuid

from django.conf import settings
from django.db import models


class Command(models.Model):
    """The outbox: one CSMS→charger call. Any process creates a row (through
    `ocpp_gateway.commands.send`); the consumer holding the station's socket delivers it,
    one at a time, and records the outcome here."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent, awaiting response"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed (CALLERROR)"
        TIMED_OUT = "timed_out", "Timed out"
        EXPIRED = "expired", "Expired before delivery"

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        PORTAL = "portal", "Portal"
        TASK = "task", "Background task"
        SYSTEM = "system", "System"

    FINAL_STATUSES = (Status.ACCEPTED, Status.REJECTED, Status.FAILED, Status.TIMED_OUT, Status.EXPIRED)

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="commands")
    action = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    message_id = models.CharField(max_length=36, unique=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="ocpp_commands"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SYSTEM)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_description = models.TextField(blank=True)
    followup_status = models.CharField(
        max_length=32, blank=True, help_text="Latest Firmware/DiagnosticsStatusNotification after this command."
    )
    followup_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["station", "status", "created_at"], name="outbox_queue"),
            # The process-wide outbox poll asks which stations have deliverable commands.
            models.Index(fields=["expires_at"], condition=models.Q(status="pending"), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.action} → {self.station_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


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
