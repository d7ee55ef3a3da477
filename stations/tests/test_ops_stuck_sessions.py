"""Stuck sessions: flagged when quiet or too long, cleared when they end; staff soft-close
(billed on the last meter value through the gateway's session_stop) or RemoteStop."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from drivers.tests.factories import UserFactory
from stations import signals
from stations.models import ChargingSession, CommandRequest, Incident, SessionIntervention
from stations.operations.services import health
from stations.services.charging import ChargeRefused
from stations.tests.factories import ChargingSessionFactory
from stations.tests.ops_factories import T0

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OPS_STUCK_SESSION_IDLE_MINUTES = 60
    settings.OPS_SESSION_MAX_HOURS = 24


def active_session(**kwargs):
    session = ChargingSessionFactory(started_at=T0, **kwargs)
    ChargingSession.objects.filter(pk=session.pk).update(start_received_at=T0)
    session.refresh_from_db()
    return session


def test_session_without_meter_values_for_the_idle_limit_is_flagged_once():
    session = active_session()
    assert health.stuck_sessions_sweep(now=T0 + 59 * MINUTE) == []
    assert health.stuck_sessions_sweep(now=T0 + 61 * MINUTE) == [session.pk]
    health.stuck_sessions_sweep(now=T0 + 70 * MINUTE)
    incident = Incident.objects.get(cause=Incident.Cause.STUCK_SESSION)
    assert (incident.status, incident.details, incident.occurrences) == ("open", {"session_id": session.pk}, 2)


def test_session_with_recent_meter_values_but_running_too_long_is_flagged():
    session = active_session(last_meter_at=T0 + 25 * 60 * MINUTE, last_meter_wh=50_000)
    assert health.stuck_sessions_sweep(now=T0 + 25 * 60 * MINUTE + MINUTE) == [session.pk]
    assert "more than 24 h" in Incident.objects.get().summary


def test_flag_clears_when_meter_values_resume():
    session = active_session()
    health.stuck_sessions_sweep(now=T0 + 61 * MINUTE)
    ChargingSession.objects.filter(pk=session.pk).update(last_meter_at=T0 + 62 * MINUTE)
    assert health.stuck_sessions_sweep(now=T0 + 63 * MINUTE) == []
    assert Incident.objects.get().status == Incident.Status.RESOLVED


def test_soft_close_stops_on_the_last_meter_value_audits_and_signals_billing(django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    session = active_session(last_meter_wh=12_345, last_meter_at=T0 + 10 * MINUTE, energy_wh=11_345)
    health.stuck_sessions_sweep(now=T0 + 80 * MINUTE)
    stopped = []
    signals.session_stopped.connect(lambda sender, session_id, **kw: stopped.append(session_id), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            intervention = health.session_soft_close(
                session=session, user=staff, reason="Charger lost its backend", now=T0 + 90 * MINUTE
            )
    finally:
        signals.session_stopped.receivers.pop()
    session.refresh_from_db()
    assert (session.status, session.meter_stop_wh, session.stopped_at) == ("completed", 12_345, T0 + 10 * MINUTE)
    assert session.energy_wh == 12_345 - session.meter_start_wh, "billed on the last known meter"
    assert (intervention.action, intervention.performed_by, intervention.meter_stop_wh) == ("soft_close", staff, 12_345)
    assert stopped == [session.pk]
    assert Incident.objects.get().status == Incident.Status.RESOLVED


def test_soft_close_of_a_finished_session_or_without_reason_is_refused():
    staff = UserFactory(is_staff=True)
    session = active_session()
    with pytest.raises(ValidationError):
        health.session_soft_close(session=session, user=staff, reason="  ")
    ChargingSession.objects.filter(pk=session.pk).update(status="completed")
    with pytest.raises(ValidationError):
        health.session_soft_close(session=session, user=staff, reason="again")
    assert not SessionIntervention.objects.exists()


def test_remote_stop_goes_through_the_outbox_and_is_audited():
    staff = UserFactory(is_staff=True)
    session = active_session(station__is_connected=True)
    intervention = health.session_remote_stop(session=session, user=staff, reason="Driver called")
    command = CommandRequest.objects.get()
    assert (command.action, command.parameters, command.requested_by) == (
        "stop",
        {"session": session.pk},
        staff,
    )
    assert intervention.command == command


def test_remote_stop_of_a_session_at_an_offline_charger_is_refused_and_not_audited():
    """The charge rule refuses a stop the charger cannot hear (soft close is for that)."""
    session = active_session()
    with pytest.raises(ChargeRefused) as refusal:
        health.session_remote_stop(session=session, user=UserFactory(is_staff=True), reason="Driver called")
    assert refusal.value.code == "station_offline"
    assert not CommandRequest.objects.exists()
    assert not SessionIntervention.objects.exists()
