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

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["station", "status", "created_at"], name="outbox_queue")]

    def __str__(self) -> str:
        return f"{self.action} → {self.station_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES
