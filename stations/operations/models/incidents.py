"""Incidents (one per station/connector and cause, de-duplicated) and the alert
notifications sent about them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Incident(models.Model):
    """Something wrong at a station or connector. A repeat of the same cause adds an
    occurrence to the open incident instead of opening another.

    `pending` incidents are inside the debounce window: they notify nobody and are
    dropped if the cause clears before the window ends (a flap, a boot-time fault)."""

    class Cause(models.TextChoices):
        CONNECTOR_FAULT = "connector_fault", _("Connector fault (Faulted or error code)")
        STATION_FAULT = "station_fault", _("Station fault (connector 0)")
        OFFLINE = "offline", _("Station offline")
        FIRMWARE_FAILED = "firmware_failed", _("Firmware update failed")
        STUCK_SESSION = "stuck_session", _("Stuck session")
        DRIVER_REPORT = "driver_report", _("Breakdown reported by a driver")
        LOAD_CONTROL = "load_control", _("Charging limit refused or unanswered (load management)")

    class Severity(models.IntegerChoices):
        MINOR = 1, _("Minor")
        MAJOR = 2, _("Major")
        CRITICAL = 3, _("Critical")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (within debounce window)")
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed (cleared within debounce window)")

    ACTIVE_STATUSES = (Status.PENDING, Status.OPEN)

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="incidents")
    connector_number = models.PositiveSmallIntegerField(default=0, help_text="0 = the whole station")
    cause = models.CharField(max_length=24, choices=Cause.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.MAJOR)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=32, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When it outlived the debounce window.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=255, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "connector_number", "cause"],
                condition=Q(status__in=["pending", "open"]),
                name="one_active_incident_per_cause",
            )
        ]
        indexes = [
            models.Index(fields=["status", "first_seen_at"], name="incident_status_seen"),
            models.Index(fields=["status", "opened_at"], name="incident_status_opened"),
        ]

    def __str__(self) -> str:
        where = f"{self.station}#{self.connector_number}" if self.connector_number else str(self.station)
        return f"{self.get_cause_display()} at {where} ({self.status})"


class Notification(models.Model):
    """One alert message on one channel: an outbox row, so a failed webhook is retried
    with back-off and a delivered e-mail is never sent twice."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident opened")
        DIGEST = "digest", _("Digest of many incidents")
        OVERDUE = "overdue", _("Overdue work orders")
        CAMPAIGN = "campaign", _("Firmware campaign paused")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (gave up)")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    organisation = models.ForeignKey(
        "stations.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    incidents = models.ManyToManyField(Incident, blank=True, related_name="notifications")
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses or the webhook URL.")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text="The webhook's JSON body.")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject} ({self.status})"
