"""Every operations beat entry runs in a real Celery worker against Redis and the test
database, and does its job there (offline detection, incident confirmation, alerts,
retries, stuck sessions, maintenance planning, overdue alerts, uptime, firmware)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import BEAT_SCHEDULE, app
from stations.models import CommandRequest, ConnectorUptimeDay, Incident, Notification, StatusChange, WorkOrder
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory
from stations.tests.ops_factories import (
    FirmwareCampaignFactory,
    IncidentFactory,
    MaintenancePlanFactory,
    WorkOrderFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30
OPS_ENTRIES = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items() if name.startswith("ops-")}


def run_beat(entry_name: str):
    """Send the beat entry's task exactly as beat would and wait for the worker's result."""
    return app.send_task(OPS_ENTRIES[entry_name]).get(timeout=TIMEOUT)


def eventually(check, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met within the timeout")


def test_every_operations_beat_entry_is_exercised_here():
    exercised = {
        "ops-detect-offline-stations",
        "ops-confirm-incidents",
        "ops-dispatch-alerts",
        "ops-retry-notifications",
        "ops-detect-stuck-sessions",
        "ops-plan-maintenance",
        "ops-alert-overdue-work-orders",
        "ops-compute-uptime",
        "ops-advance-firmware-campaigns",
    }
    assert set(OPS_ENTRIES) == exercised


def test_offline_detection_runs_in_the_worker(celery_worker_process):
    station = ChargingStationFactory(is_online=True, last_seen_at=timezone.now() - timedelta(hours=2))
    assert run_beat("ops-detect-offline-stations")["offline"] == [station.pk]
    assert StatusChange.objects.get(station=station).status == "Offline"


def test_incident_confirmation_and_alert_dispatch_run_in_the_worker(celery_worker_process):
    operator = SiteFactory().operator
    operator.oncall_emails = "oncall@example.com"
    operator.save()
    station = ChargingStationFactory(site__operator=operator, agreement=None)
    long_ago = timezone.now() - timedelta(minutes=10)
    pending = IncidentFactory(station=station, status="pending", first_seen_at=long_ago, opened_at=None)
    assert run_beat("ops-confirm-incidents") == [pending.pk]
    assert Incident.objects.get(pk=pending.pk).status == "open"
    run_beat("ops-dispatch-alerts")
    # The confirmation also enqueued a dispatch; whichever ran first claimed the incident.
    sent = eventually(lambda: Notification.objects.filter(incidents=pending, status="sent").first())
    assert sent.recipients == ["oncall@example.com"]


def test_notification_retry_runs_in_the_worker(celery_worker_process):
    notification = Notification.objects.create(
        channel="email",
        kind="incident",
        recipients=["oncall@example.com"],
        subject="Retry me",
        body="b",
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert run_beat("ops-retry-notifications") == [notification.pk]
    notification.refresh_from_db()
    assert notification.status == "sent"


def test_stuck_session_detection_runs_in_the_worker(celery_worker_process):
    session = ChargingSessionFactory(started_at=timezone.now() - timedelta(days=2))
    assert run_beat("ops-detect-stuck-sessions") == [session.pk]
    assert Incident.objects.get(cause="stuck_session").details == {"session_id": session.pk}


def test_maintenance_planning_runs_in_the_worker(celery_worker_process):
    plan = MaintenancePlanFactory(every_days=30)
    station = ChargingStationFactory(site=plan.site, commissioned_on=(timezone.now() - timedelta(days=60)).date())
    (work_order_id,) = run_beat("ops-plan-maintenance")
    assert WorkOrder.objects.get(pk=work_order_id).station == station


def test_overdue_alert_runs_in_the_worker(celery_worker_process):
    order = WorkOrderFactory(due_date=(timezone.now() - timedelta(days=3)).date())
    assert run_beat("ops-alert-overdue-work-orders") == [order.pk]
    assert WorkOrder.objects.get(pk=order.pk).overdue_alerted_at is not None


def test_uptime_computation_runs_in_the_worker(celery_worker_process):
    connector = ConnectorFactory()
    StatusChange.objects.create(
        station=connector.station,
        connector_number=1,
        status="Available",
        received_at=timezone.now() - timedelta(days=3),
    )
    assert run_beat("ops-compute-uptime") == 2  # yesterday and today so far
    yesterday = ConnectorUptimeDay.objects.get(day=(timezone.now() - timedelta(days=1)).date())
    assert (yesterday.up_seconds, yesterday.down_seconds) == (86400, 0)


def test_firmware_campaign_advance_runs_in_the_worker(celery_worker_process):
    station = ChargingStationFactory(model="TestModel", firmware_version="1.0")
    now = timezone.now()
    campaign = FirmwareCampaignFactory(window_start=now - timedelta(hours=1), window_end=now + timedelta(hours=1))
    campaign.targets.create(station=station)
    assert run_beat("ops-advance-firmware-campaigns") == [campaign.pk]
    assert CommandRequest.objects.get(station=station).action == "update_firmware"
