"""Firmware campaigns (UpdateFirmware in batches) and diagnostics requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FirmwareCampaign(models.Model):
    """Roll one firmware image out to a set of stations, K at a time, inside a window;
    paused automatically once `failure_threshold` stations have failed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=120)
    firmware_url = models.URLField(_("firmware location"), max_length=500)
    target_version = models.CharField(_("target version"), max_length=50)
    filter_vendor = models.CharField(_("vendor"), max_length=50, blank=True)
    filter_model = models.CharField(_("model"), max_length=50, blank=True)
    filter_current_version = models.CharField(_("current version"), max_length=50, blank=True)
    filter_site = models.ForeignKey(
        "stations.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only stations at this site."),
    )
    filter_stations = models.ManyToManyField(
        "stations.ChargingStation",
        verbose_name=_("stations"),
        blank=True,
        related_name="+",
        help_text=_("Only these stations (with the other filters, if set)."),
    )
    batch_size = models.PositiveSmallIntegerField(_("batch size (K)"), default=10)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    station_timeout_minutes = models.PositiveIntegerField(
        _("per-station timeout (minutes)"), default=120, help_text=_("No Installed by then counts as a failure.")
    )
    failure_threshold = models.PositiveSmallIntegerField(
        _("pause after N failures"), default=3, help_text=_("The campaign pauses when this many stations failed.")
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    paused_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="campaign_window_ordered"
            ),
            models.CheckConstraint(condition=Q(batch_size__gte=1), name="campaign_batch_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.target_version} ({self.status})"


class FirmwareTarget(models.Model):
    """One station in a campaign, followed through FirmwareStatusNotification."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for its batch")
        SENT = "sent", _("UpdateFirmware queued")
        DOWNLOADING = "Downloading", _("Downloading")
        DOWNLOADED = "Downloaded", _("Downloaded")
        INSTALLING = "Installing", _("Installing")
        INSTALLED = "Installed", _("Installed")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    IN_FLIGHT = (Status.SENT, Status.DOWNLOADING, Status.DOWNLOADED, Status.INSTALLING)
    FINAL = (Status.INSTALLED, Status.FAILED, Status.SKIPPED)

    campaign = models.ForeignKey(FirmwareCampaign, on_delete=models.CASCADE, related_name="targets")
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="firmware_targets")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    batch_number = models.PositiveIntegerField(null=True, blank=True)
    command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_reported_status = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "station"], name="one_target_per_campaign_station")]

    def __str__(self) -> str:
        return f"{self.station_id} in {self.campaign_id}: {self.status}"


class DiagnosticsRequest(models.Model):
    """GetDiagnostics sent to a station, followed through DiagnosticsStatusNotification."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        UPLOADING = "Uploading", _("Uploading")
        UPLOADED = "Uploaded", _("Uploaded")
        FAILED = "failed", _("Failed")

    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, related_name="diagnostics_requests"
    )
    location = models.CharField(max_length=500)
    start_time = models.DateTimeField(null=True, blank=True)
    stop_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    file_name = models.CharField(max_length=255, blank=True)
    command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Diagnostics of {self.station_id} ({self.status})"
