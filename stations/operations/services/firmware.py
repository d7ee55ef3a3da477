"""Firmware campaigns and diagnostics requests.

A campaign targets stations by vendor/model/current version and, inside its window,
sends UpdateFirmware through the command outbox K stations at a time: the next batch
goes only when the previous one has finished (Installed, failed or timed out). Each
station is followed through FirmwareStatusNotification; once `failure_threshold`
stations have failed the campaign pauses itself for staff to look."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.models import (
    ChargingStation,
    CommandRequest,
    DiagnosticsRequest,
    FirmwareCampaign,
    FirmwareTarget,
    Incident,
    Notification,
    Organisation,
)
from stations.operations.services import incidents as incident_services
from stations.operations.services import notifications
from stations.services.commands import command_request

# The last four come from signed updates (1.6 security extension, 2.0.1).
FAILED_FIRMWARE_STATUSES = {
    "DownloadFailed",
    "InstallationFailed",
    "InstallVerificationFailed",
    "InvalidSignature",
    "InvalidCertificate",
    "RevokedCertificate",
}
PROGRESS_FIRMWARE_STATUSES = {"Downloading", "Downloaded", "Installing"}
FINAL_BAD_COMMAND_STATUSES = {"rejected", "failed", "timed_out", "expired"}


def campaign_stations(*, campaign: FirmwareCampaign):
    stations = ChargingStation.objects.filter(registration_status="Accepted")
    if campaign.filter_vendor:
        stations = stations.filter(vendor__iexact=campaign.filter_vendor)
    if campaign.filter_model:
        stations = stations.filter(model__iexact=campaign.filter_model)
    if campaign.filter_current_version:
        stations = stations.filter(firmware_version=campaign.filter_current_version)
    if campaign.filter_site_id:
        stations = stations.filter(site_id=campaign.filter_site_id)
    if campaign.pk and campaign.filter_stations.exists():
        stations = stations.filter(pk__in=campaign.filter_stations.values("pk"))
    # A station in flight in another campaign is left to it (its version changes soon).
    busy = FirmwareTarget.objects.filter(status__in=FirmwareTarget.IN_FLIGHT).exclude(campaign_id=campaign.pk)
    return stations.exclude(firmware_version=campaign.target_version).exclude(pk__in=busy.values("station_id"))


def campaign_start(*, campaign: FirmwareCampaign) -> FirmwareCampaign:
    """Enrol the matching stations (once each) and set the campaign running; resuming a
    paused campaign keeps its targets. Raises ValidationError for a finished campaign or
    one that matches no station."""
    with transaction.atomic():
        campaign = FirmwareCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status in (FirmwareCampaign.Status.COMPLETED, FirmwareCampaign.Status.CANCELLED):
            raise ValidationError(_("A finished campaign cannot be started again."))
        for station in campaign_stations(campaign=campaign):
            FirmwareTarget.objects.get_or_create(campaign=campaign, station=station)
        if not campaign.targets.exists():
            raise ValidationError(_("No station matches this campaign's filters."))
        campaign.status = FirmwareCampaign.Status.RUNNING
        campaign.paused_reason = ""
        campaign.save(update_fields=["status", "paused_reason"])
    return campaign


def campaign_pause(*, campaign: FirmwareCampaign, reason: str) -> FirmwareCampaign:
    FirmwareCampaign.objects.filter(pk=campaign.pk, status=FirmwareCampaign.Status.RUNNING).update(
        status=FirmwareCampaign.Status.PAUSED, paused_reason=reason[:255]
    )
    campaign.refresh_from_db()
    return campaign


def campaign_cancel(*, campaign: FirmwareCampaign) -> FirmwareCampaign:
    FirmwareCampaign.objects.filter(
        pk=campaign.pk,
        status__in=[FirmwareCampaign.Status.DRAFT, FirmwareCampaign.Status.RUNNING, FirmwareCampaign.Status.PAUSED],
    ).update(status=FirmwareCampaign.Status.CANCELLED)
    campaign.targets.filter(status=FirmwareTarget.Status.PENDING).update(status=FirmwareTarget.Status.SKIPPED)
    campaign.refresh_from_db()
    return campaign


def campaigns_advance(*, now: datetime) -> list[int]:
    """One step for every running campaign: fail timed-out or refused targets, pause past
    the failure threshold, send the next batch inside the window, complete when done.
    Returns the ids of campaigns that sent a batch. Safe to run concurrently (row lock)."""
    advanced = []
    for campaign_id in FirmwareCampaign.objects.filter(status=FirmwareCampaign.Status.RUNNING).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            campaign = FirmwareCampaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status == FirmwareCampaign.Status.RUNNING and _campaign_step(campaign, now=now):
                advanced.append(campaign_id)
    return advanced


def _campaign_step(campaign: FirmwareCampaign, *, now: datetime) -> bool:
    _fail_stalled_targets(campaign, now=now)
    if _pause_if_too_many_failures(campaign):
        return False
    if campaign.targets.filter(status__in=FirmwareTarget.IN_FLIGHT).exists():
        return False
    pending = list(campaign.targets.filter(status=FirmwareTarget.Status.PENDING).select_related("station")[:1000])
    if not pending:
        campaign.status = FirmwareCampaign.Status.COMPLETED
        campaign.save(update_fields=["status"])
        return False
    if now >= campaign.window_end:
        # The window closed with stations left: they keep their firmware; say so and stop.
        skipped = campaign.targets.filter(status=FirmwareTarget.Status.PENDING).update(
            status=FirmwareTarget.Status.SKIPPED, error="Window closed"
        )
        campaign.status = FirmwareCampaign.Status.COMPLETED
        campaign.paused_reason = f"Window closed; {skipped} station(s) not updated"
        campaign.save(update_fields=["status", "paused_reason"])
        _campaign_alert(campaign, headline="stopped with stations left")
        return False
    if now < campaign.window_start:
        return False
    _send_batch(campaign, targets=pending[: campaign.batch_size], now=now)
    return True


def _send_batch(campaign: FirmwareCampaign, *, targets: list[FirmwareTarget], now: datetime) -> None:
    batch_number = (campaign.targets.aggregate(n=Max("batch_number"))["n"] or 0) + 1
    for target in targets:
        target.command = command_request(
            station=target.station,
            action=CommandRequest.Action.UPDATE_FIRMWARE,
            parameters={"location": campaign.firmware_url, "retrieve_at": now.isoformat()},
            requested_by=campaign.created_by,
            source=CommandRequest.Source.TASK,
        )
        target.status = FirmwareTarget.Status.SENT
        target.batch_number = batch_number
        target.sent_at = now
        target.save(update_fields=["command", "status", "batch_number", "sent_at"])


def _fail_stalled_targets(campaign: FirmwareCampaign, *, now: datetime) -> None:
    deadline = now - timedelta(minutes=campaign.station_timeout_minutes)
    for target in campaign.targets.filter(status__in=FirmwareTarget.IN_FLIGHT).select_related("command"):
        if target.command is not None and target.command.status in FINAL_BAD_COMMAND_STATUSES:
            _target_fail(target, error=f"UpdateFirmware {target.command.status}", at=now)
        elif target.sent_at and target.sent_at <= deadline:
            _target_fail(target, error=f"No Installed within {campaign.station_timeout_minutes} min", at=now)


def _pause_if_too_many_failures(campaign: FirmwareCampaign) -> bool:
    failures = campaign.targets.filter(status=FirmwareTarget.Status.FAILED).count()
    if failures < campaign.failure_threshold:
        return False
    campaign.status = FirmwareCampaign.Status.PAUSED
    campaign.paused_reason = f"{failures} stations failed (threshold {campaign.failure_threshold})"
    campaign.save(update_fields=["status", "paused_reason"])
    _campaign_alert(campaign, headline="paused")
    return True


def _campaign_alert(campaign: FirmwareCampaign, *, headline: str) -> None:
    """Tell the on-call contacts of every operator whose stations the campaign targets
    (and the alert webhook) that it stopped short: a paused campaign needs a decision."""
    operator_ids = (
        campaign.targets.exclude(station__site__isnull=True)
        .values_list("station__site__operator_id", flat=True)
        .distinct()
    )
    counts = {status: campaign.targets.filter(status=status).count() for status in FirmwareTarget.Status.values}
    body = (
        f"Firmware campaign {campaign.name!r} ({campaign.target_version}) {headline}: {campaign.paused_reason}\n"
        + ", ".join(f"{status}: {count}" for status, count in counts.items() if count)
    )
    for operator in Organisation.objects.filter(pk__in=list(operator_ids)):
        notifications.notification_queue(
            organisation=operator,
            kind=Notification.Kind.CAMPAIGN,
            subject=f"[EV ops] Firmware campaign {campaign.name} {headline}",
            body=body,
            payload={"event": "firmware_campaign.paused", "campaign_id": campaign.pk, "reason": campaign.paused_reason},
            now=timezone.now(),
        )


def _target_fail(target: FirmwareTarget, *, error: str, at: datetime) -> None:
    target.status = FirmwareTarget.Status.FAILED
    target.error = error[:255]
    target.finished_at = at
    target.save(update_fields=["status", "error", "finished_at"])
    incident_services.incident_observe(
        station_id=target.station_id,
        connector_number=0,
        cause=Incident.Cause.FIRMWARE_FAILED,
        severity=Incident.Severity.MAJOR,
        at=at,
        summary=f"{target.campaign.name}: {error}"[:255],
        details={"campaign_id": target.campaign_id},
        confirm_immediately=True,
    )


def firmware_status_record(*, station_id: int, status: str, at: datetime) -> FirmwareTarget | None:
    """Follow a FirmwareStatusNotification: progress moves the station's in-flight target
    on, Installed finishes it (and resolves a firmware incident), DownloadFailed /
    InstallationFailed fail it, open a firmware incident and may pause the campaign.
    A failure outside any campaign still opens the incident. Replays change nothing."""
    with transaction.atomic():
        target = (
            FirmwareTarget.objects.select_for_update()
            .filter(station_id=station_id, status__in=FirmwareTarget.IN_FLIGHT)
            .select_related("campaign")
            .order_by("-sent_at")
            .first()
        )
        if status in FAILED_FIRMWARE_STATUSES:
            if target is None:
                incident_services.incident_observe(
                    station_id=station_id,
                    connector_number=0,
                    cause=Incident.Cause.FIRMWARE_FAILED,
                    severity=Incident.Severity.MAJOR,
                    at=at,
                    summary=status,
                    confirm_immediately=True,
                )
                return None
            _target_fail(target, error=status, at=at)
            campaign = FirmwareCampaign.objects.select_for_update().get(pk=target.campaign_id)
            if campaign.status == FirmwareCampaign.Status.RUNNING:
                _pause_if_too_many_failures(campaign)
            return target
        if target is None:
            return None
        target.last_reported_status = status
        if status == "Installed":
            target.status = FirmwareTarget.Status.INSTALLED
            target.finished_at = at
            # Its version is the target's from now on, not from its next boot: a second
            # campaign must not pick it up again meanwhile.
            ChargingStation.objects.filter(pk=station_id).update(firmware_version=target.campaign.target_version)
            incident_services.incident_clear(
                station_id=station_id,
                connector_number=0,
                cause=Incident.Cause.FIRMWARE_FAILED,
                at=at,
                resolution="Firmware installed",
            )
        elif status in PROGRESS_FIRMWARE_STATUSES:
            target.status = status
        target.save(update_fields=["status", "finished_at", "last_reported_status"])
        return target


# --- Diagnostics ---------------------------------------------------------------------------


def diagnostics_request(
    *,
    station: ChargingStation,
    user=None,
    location: str = "",
    start_time: datetime | None = None,
    stop_time: datetime | None = None,
) -> DiagnosticsRequest:
    """Send GetDiagnostics asking the station to upload its logs to `location` (default
    settings.OPS_DIAGNOSTICS_UPLOAD_URL). Raises ValidationError without a location or
    with stop_time before start_time."""
    location = (location or settings.OPS_DIAGNOSTICS_UPLOAD_URL).strip()
    if not location:
        raise ValidationError({"location": _("Set OPS_DIAGNOSTICS_UPLOAD_URL or give an upload location.")})
    if start_time and stop_time and stop_time <= start_time:
        raise ValidationError({"stop_time": _("The stop time must come after the start time.")})
    with transaction.atomic():
        command = command_request(
            station=station,
            action=CommandRequest.Action.GET_DIAGNOSTICS,
            parameters={"location": location, "start_at": start_time, "stop_at": stop_time},
            requested_by=user,
            source=CommandRequest.Source.ADMIN if user else CommandRequest.Source.SYSTEM,
        )
        return DiagnosticsRequest.objects.create(
            station=station,
            location=location,
            start_time=start_time,
            stop_time=stop_time,
            command=command,
            requested_by=user,
        )


def diagnostics_status_record(*, station_id: int, status: str, at: datetime) -> DiagnosticsRequest | None:
    """Follow a DiagnosticsStatusNotification on the station's latest open request."""
    request = (
        DiagnosticsRequest.objects.filter(
            station_id=station_id,
            status__in=[DiagnosticsRequest.Status.REQUESTED, DiagnosticsRequest.Status.UPLOADING],
        )
        .select_related("command")
        .order_by("-created_at")
        .first()
    )
    if request is None or status == "Idle":
        return request
    if request.command is not None and isinstance(request.command.result, dict):
        request.file_name = (request.command.result.get("file_name") or "")[:255]
    if status == "Uploading":
        request.status = DiagnosticsRequest.Status.UPLOADING
    elif status == "Uploaded":
        request.status = DiagnosticsRequest.Status.UPLOADED
        request.finished_at = at
    elif status == "UploadFailed":
        request.status = DiagnosticsRequest.Status.FAILED
        request.finished_at = at
    request.save(update_fields=["status", "finished_at", "file_name"])
    return request
