"""Firmware campaigns (batches, window, status tracking, automatic pause) and
diagnostics requests, with a controlled clock."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from stations.models import (
    CommandRequest,
    DiagnosticsRequest,
    FirmwareCampaign,
    FirmwareTarget,
    Incident,
    Notification,
)
from stations.operations.services import firmware
from stations.tests.factories import ChargingStationFactory
from stations.tests.ops_factories import T0, FirmwareCampaignFactory

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def fleet(n, **kwargs):
    return [ChargingStationFactory(model="TestModel", firmware_version="1.0", **kwargs) for _ in range(n)]


def sent_station_ids():
    return set(CommandRequest.objects.filter(action="update_firmware").values_list("station_id", flat=True))


def report(station, status, at):
    return firmware.firmware_status_record(station_id=station.pk, status=status, at=at)


def test_campaign_enrols_matching_stations_only():
    stations = fleet(3)
    ChargingStationFactory(model="Other", firmware_version="1.0")
    ChargingStationFactory(model="TestModel", firmware_version="2.0")  # already there
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory(status="draft", filter_current_version="1.0"))
    assert set(campaign.targets.values_list("station_id", flat=True)) == {s.pk for s in stations}


def test_batches_of_k_go_one_after_another_and_the_campaign_completes():
    stations = fleet(3)
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory(batch_size=2))
    assert firmware.campaigns_advance(now=T0) == [campaign.pk]
    first_batch = sent_station_ids()
    assert len(first_batch) == 2
    parameters = CommandRequest.objects.filter(action="update_firmware").first().parameters
    assert parameters == {"location": campaign.firmware_url, "retrieve_at": T0.isoformat()}
    assert firmware.campaigns_advance(now=T0 + MINUTE) == [], "waits for the batch in flight"
    for station in stations:
        if station.pk in first_batch:
            report(station, "Downloading", T0 + 2 * MINUTE)
            report(station, "Installed", T0 + 5 * MINUTE)
    assert firmware.campaigns_advance(now=T0 + 6 * MINUTE) == [campaign.pk]
    assert sent_station_ids() == {s.pk for s in stations}
    (last,) = [s for s in stations if s.pk not in first_batch]
    report(last, "Installed", T0 + 8 * MINUTE)
    firmware.campaigns_advance(now=T0 + 9 * MINUTE)
    campaign.refresh_from_db()
    assert campaign.status == FirmwareCampaign.Status.COMPLETED
    assert list(campaign.targets.order_by("batch_number").values_list("batch_number", "status")) == [
        (1, "Installed"),
        (1, "Installed"),
        (2, "Installed"),
    ]


def test_nothing_is_sent_outside_the_window_and_a_closed_window_ends_the_campaign():
    fleet(1)
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory())
    assert firmware.campaigns_advance(now=T0 - MINUTE) == []
    assert firmware.campaigns_advance(now=campaign.window_end) == []
    assert not CommandRequest.objects.exists()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.paused_reason) == ("completed", "Window closed; 1 station(s) not updated")
    assert FirmwareTarget.objects.get().status == FirmwareTarget.Status.SKIPPED


def test_campaign_pauses_itself_when_failures_reach_the_threshold():
    stations = fleet(5)
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory(batch_size=2, failure_threshold=2))
    firmware.campaigns_advance(now=T0)
    in_flight = [s for s in stations if s.pk in sent_station_ids()]
    report(in_flight[0], "DownloadFailed", T0 + MINUTE)
    campaign.refresh_from_db()
    assert campaign.status == FirmwareCampaign.Status.RUNNING
    report(in_flight[1], "InstallationFailed", T0 + 2 * MINUTE)
    campaign.refresh_from_db()
    assert campaign.status == FirmwareCampaign.Status.PAUSED
    assert "2 stations failed" in campaign.paused_reason
    assert firmware.campaigns_advance(now=T0 + 10 * MINUTE) == []
    assert len(sent_station_ids()) == 2
    assert Incident.objects.filter(cause=Incident.Cause.FIRMWARE_FAILED, status="open").count() == 2


def test_station_that_never_reports_times_out_as_a_failure():
    fleet(1)
    campaign = firmware.campaign_start(
        campaign=FirmwareCampaignFactory(station_timeout_minutes=60, failure_threshold=1)
    )
    firmware.campaigns_advance(now=T0)
    firmware.campaigns_advance(now=T0 + 59 * MINUTE)
    assert FirmwareTarget.objects.get().status == FirmwareTarget.Status.SENT
    firmware.campaigns_advance(now=T0 + 60 * MINUTE)
    target = FirmwareTarget.objects.get()
    assert (target.status, target.error) == ("failed", "No Installed within 60 min")
    campaign.refresh_from_db()
    assert campaign.status == FirmwareCampaign.Status.PAUSED


def test_refused_command_fails_the_target():
    fleet(1)
    firmware.campaign_start(campaign=FirmwareCampaignFactory(failure_threshold=5))
    firmware.campaigns_advance(now=T0)
    CommandRequest.objects.update(status=CommandRequest.Status.EXPIRED)
    firmware.campaigns_advance(now=T0 + MINUTE)
    assert FirmwareTarget.objects.get().error == "UpdateFirmware expired"


def test_install_after_a_failure_resolves_the_firmware_incident():
    (station,) = fleet(1)
    report(station, "InstallationFailed", T0)
    assert Incident.objects.get().status == Incident.Status.OPEN
    firmware.campaign_start(campaign=FirmwareCampaignFactory())
    firmware.campaigns_advance(now=T0 + MINUTE)
    report(station, "Installed", T0 + 5 * MINUTE)
    assert Incident.objects.get().status == Incident.Status.RESOLVED


def test_resuming_a_paused_campaign_keeps_its_targets():
    fleet(2)
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory())
    firmware.campaign_pause(campaign=campaign, reason="by hand")
    campaign = firmware.campaign_start(campaign=campaign)
    assert (campaign.status, campaign.targets.count()) == ("running", 2)
    firmware.campaign_cancel(campaign=campaign)
    with pytest.raises(ValidationError):
        firmware.campaign_start(campaign=campaign)


def test_diagnostics_request_uses_the_upload_location_setting_and_tracks_status(settings):
    settings.OPS_DIAGNOSTICS_UPLOAD_URL = "ftp://logs.example.com/upload/"
    station = ChargingStationFactory()
    request = firmware.diagnostics_request(station=station, start_time=T0, stop_time=T0 + 60 * MINUTE)
    assert request.command.action == "get_diagnostics"
    assert request.command.parameters == {
        "location": "ftp://logs.example.com/upload/",
        "start_at": T0.isoformat(),
        "stop_at": (T0 + 60 * MINUTE).isoformat(),
    }
    CommandRequest.objects.filter(pk=request.command_id).update(status="accepted", result={"file_name": "diag-1.zip"})
    firmware.diagnostics_status_record(station_id=station.pk, status="Uploading", at=T0 + MINUTE)
    firmware.diagnostics_status_record(station_id=station.pk, status="Uploaded", at=T0 + 2 * MINUTE)
    request.refresh_from_db()
    assert (request.status, request.file_name, request.finished_at) == ("Uploaded", "diag-1.zip", T0 + 2 * MINUTE)


def test_diagnostics_without_a_location_is_refused(settings):
    settings.OPS_DIAGNOSTICS_UPLOAD_URL = ""
    with pytest.raises(ValidationError) as error:
        firmware.diagnostics_request(station=ChargingStationFactory())
    assert "location" in error.value.message_dict
    assert not DiagnosticsRequest.objects.exists()


def test_installed_firmware_is_the_stations_version_at_once_so_a_second_campaign_skips_it():
    (station,) = fleet(1)
    firmware.campaign_start(campaign=FirmwareCampaignFactory())
    firmware.campaigns_advance(now=T0)
    report(station, "Installed", T0 + MINUTE)
    station.refresh_from_db()
    assert station.firmware_version == "2.0"
    with pytest.raises(ValidationError, match="No station matches"):
        firmware.campaign_start(campaign=FirmwareCampaignFactory(status="draft"))


def test_a_station_in_flight_in_one_campaign_is_not_enrolled_by_another():
    fleet(1)
    firmware.campaign_start(campaign=FirmwareCampaignFactory())
    firmware.campaigns_advance(now=T0)
    with pytest.raises(ValidationError, match="No station matches"):
        firmware.campaign_start(campaign=FirmwareCampaignFactory(status="draft", target_version="2.1"))


def test_campaign_targets_an_explicit_list_or_a_site():
    first, second, third = fleet(3)
    listed = FirmwareCampaignFactory(status="draft", filter_model="")
    listed.filter_stations.set([first, third])
    firmware.campaign_start(campaign=listed)
    assert set(listed.targets.values_list("station_id", flat=True)) == {first.pk, third.pk}
    by_site = firmware.campaign_start(
        campaign=FirmwareCampaignFactory(status="draft", filter_model="", filter_site=second.site, target_version="3.0")
    )
    assert list(by_site.targets.values_list("station_id", flat=True)) == [second.pk]


def test_a_paused_campaign_alerts_the_operators_on_call(settings):
    settings.OPS_ALERT_WEBHOOK_URL = ""
    stations = fleet(2)
    operator = stations[0].site.operator
    operator.oncall_emails = "oncall@example.com"
    operator.save(update_fields=["oncall_emails"])
    campaign = firmware.campaign_start(campaign=FirmwareCampaignFactory(batch_size=2, failure_threshold=2))
    firmware.campaigns_advance(now=T0)
    report(stations[0], "DownloadFailed", T0 + MINUTE)
    report(stations[1], "DownloadFailed", T0 + 2 * MINUTE)
    (alert,) = Notification.objects.filter(kind=Notification.Kind.CAMPAIGN)
    assert (alert.organisation, alert.recipients) == (operator, ["oncall@example.com"])
    assert campaign.name in alert.subject and "2 stations failed" in alert.body
