"""Fault incidents from StatusNotification: debounce, de-duplication, auto-resolution.
All with a controlled clock (`now=`/`at=` passed in)."""

from datetime import timedelta

import pytest

from stations.models import Incident
from stations.operations.services import incidents, notifications
from stations.tests.factories import ConnectorFactory
from stations.tests.ops_factories import T0

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


def observe(connector, status, error_code="NoError", at=T0, number=None):
    return incidents.status_observe(
        station_id=connector.station_id,
        connector_number=connector.connector_id if number is None else number,
        status=status,
        error_code=error_code,
        at=at,
    )


def test_fault_that_clears_within_the_debounce_window_raises_nothing(settings):
    settings.OPS_DEBOUNCE_SECONDS = 120
    connector = ConnectorFactory()
    observe(connector, "Faulted", "GroundFailure", at=T0)
    observe(connector, "Available", at=T0 + 90 * SECOND)
    assert incidents.incidents_confirm_due(now=T0 + 10 * 60 * SECOND) == []
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.DISMISSED
    assert incident.opened_at is None


def test_fault_that_outlives_the_window_opens_exactly_when_the_window_ends(settings):
    settings.OPS_DEBOUNCE_SECONDS = 120
    connector = ConnectorFactory()
    incident = observe(connector, "Faulted", "GroundFailure", at=T0)
    assert incident.status == Incident.Status.PENDING
    assert incidents.incidents_confirm_due(now=T0 + 119 * SECOND) == []
    assert incidents.incidents_confirm_due(now=T0 + 120 * SECOND) == [incident.pk]
    incident.refresh_from_db()
    assert (incident.status, incident.opened_at) == (Incident.Status.OPEN, T0 + 120 * SECOND)
    assert incidents.incidents_confirm_due(now=T0 + 180 * SECOND) == []


def test_repeated_fault_adds_occurrences_to_one_incident_and_keeps_the_worst_severity():
    connector = ConnectorFactory()
    observe(connector, "Charging", "HighTemperature", at=T0)
    observe(connector, "Faulted", "HighTemperature", at=T0 + 30 * SECOND)
    observe(connector, "Faulted", "HighTemperature", at=T0 + 60 * SECOND)
    incident = Incident.objects.get()
    assert incident.occurrences == 3
    assert (incident.first_seen_at, incident.last_seen_at) == (T0, T0 + 60 * SECOND)
    assert incident.severity == Incident.Severity.MAJOR
    assert incident.cause == Incident.Cause.CONNECTOR_FAULT


def test_error_code_without_faulted_is_a_minor_incident():
    connector = ConnectorFactory()
    incident = observe(connector, "Available", "WeakSignal")
    assert (incident.severity, incident.error_code) == (Incident.Severity.MINOR, "WeakSignal")


def test_station_level_fault_is_critical_and_keyed_on_connector_zero():
    connector = ConnectorFactory()
    incident = observe(connector, "Faulted", "InternalError", number=0)
    assert (incident.cause, incident.connector_number, incident.severity) == (
        Incident.Cause.STATION_FAULT,
        0,
        Incident.Severity.CRITICAL,
    )


def test_open_incident_resolves_itself_when_the_connector_recovers(settings):
    settings.OPS_DEBOUNCE_SECONDS = 120
    connector = ConnectorFactory()
    incident = observe(connector, "Faulted", "GroundFailure", at=T0)
    incidents.incidents_confirm_due(now=T0 + 200 * SECOND)
    observe(connector, "Unavailable", at=T0 + 300 * SECOND)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN, "Unavailable is not a recovery"
    observe(connector, "Available", at=T0 + 400 * SECOND)
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at) == (Incident.Status.RESOLVED, T0 + 400 * SECOND)
    assert incident.resolution == "Recovered: Available"


def test_with_flap_detection_off_a_fault_after_resolution_opens_a_new_incident(settings):
    settings.OPS_FLAP_SECONDS = 0
    connector = ConnectorFactory()
    first = observe(connector, "Faulted", at=T0)
    observe(connector, "Available", at=T0 + 10 * SECOND)
    second = observe(connector, "Faulted", at=T0 + 20 * SECOND)
    assert first.pk != second.pk
    assert Incident.objects.filter(status__in=Incident.ACTIVE_STATUSES).count() == 1


def test_faults_on_two_connectors_are_two_incidents():
    connector = ConnectorFactory()
    other = ConnectorFactory(station=connector.station, connector_id=2)
    observe(connector, "Faulted")
    observe(other, "Faulted")
    assert Incident.objects.count() == 2


def test_recovery_without_an_incident_changes_nothing():
    connector = ConnectorFactory()
    assert observe(connector, "Available") is None
    assert not Incident.objects.exists()


def test_gateway_status_signal_reaches_the_incident_service(django_capture_on_commit_callbacks):
    from config.celery import app
    from stations import signals

    connector = ConnectorFactory()
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            signals.connector_status_changed.send(
                sender=None,
                station_id=connector.station_id,
                connector_number=1,
                status="Faulted",
                error_code="OverCurrentFailure",
                previous_status="Charging",
                at=T0,
            )
    finally:
        app.conf.task_always_eager = False
    incident = Incident.objects.get()
    assert (incident.error_code, incident.first_seen_at) == ("OverCurrentFailure", T0)


def test_confirmed_fault_opens_a_corrective_work_order_but_a_minor_error_does_not(settings):
    from stations.models import WorkOrder

    settings.OPS_DEBOUNCE_SECONDS = 120
    faulted = ConnectorFactory()
    minor = ConnectorFactory()
    incident = observe(faulted, "Faulted", "GroundFailure", at=T0)
    observe(minor, "Available", "WeakSignal", at=T0)
    incidents.incidents_confirm_due(now=T0 + 130 * SECOND)
    order = WorkOrder.objects.get()
    assert (order.station_id, order.kind, order.incident_id) == (faulted.station_id, "corrective", incident.pk)
    incidents.incidents_confirm_due(now=T0 + 200 * SECOND)
    assert WorkOrder.objects.count() == 1


def test_reports_handled_out_of_order_follow_the_connectors_latest_status():
    # The gateway moved the connector Faulted (T0) → Available (T0+5s); the workers run the
    # Available task first, then the Faulted one.
    connector = ConnectorFactory(status="Available", status_updated_at=T0 + 5 * SECOND)
    assert observe(connector, "Available", at=T0 + 5 * SECOND) is None
    assert observe(connector, "Faulted", "GroundFailure", at=T0) is None
    assert not Incident.objects.exists()


def concerns(connector, status, error_code="NoError", previous=("Available", "NoError")):
    from stations.operations.selectors.incidents import status_change_concerns_incidents

    return status_change_concerns_incidents(
        station_id=connector.station_id,
        connector_number=connector.connector_id,
        status=status,
        error_code=error_code,
        previous_status=previous[0],
        previous_error_code=previous[1],
    )


def test_only_status_changes_that_can_open_or_close_an_incident_involve_operations():
    connector = ConnectorFactory()
    # A session's ordinary steps: nothing for operations to do.
    assert not concerns(connector, "Preparing")
    assert not concerns(connector, "Charging", previous=("Preparing", "NoError"))
    assert not concerns(connector, "Finishing", previous=("Charging", None))
    assert not concerns(connector, "Unavailable")
    # A fault starts, or ends (whatever the new status).
    assert concerns(connector, "Faulted", "GroundFailure")
    assert concerns(connector, "Available", "WeakSignal")
    assert concerns(connector, "Unavailable", previous=("Faulted", "GroundFailure"))
    assert concerns(connector, "Available", previous=("Charging", "HighTemperature"))


def test_recovery_after_an_intermediate_status_still_reaches_the_active_incident():
    connector = ConnectorFactory()
    observe(connector, "Faulted", "GroundFailure", at=T0)
    # Faulted → Unavailable → Available: the last change is not from a fault, but the
    # incident is still active, so operations must see it.
    assert concerns(connector, "Available", previous=("Unavailable", "NoError"))
    other = ConnectorFactory(station=connector.station, connector_id=2)
    assert not concerns(other, "Available", previous=("Unavailable", "NoError"))


def test_fault_cleared_through_the_gateway_signal_via_an_intermediate_status(django_capture_on_commit_callbacks):
    from config.celery import app
    from stations import signals

    connector = ConnectorFactory()
    steps = [
        ("Faulted", "GroundFailure", "Available", "NoError"),
        ("Unavailable", "NoError", "Faulted", "GroundFailure"),
        ("Available", "NoError", "Unavailable", "NoError"),
    ]
    app.conf.task_always_eager = True
    try:
        for seconds, (status, error_code, previous_status, previous_error_code) in enumerate(steps):
            at = T0 + seconds * SECOND
            connector.__class__.objects.filter(pk=connector.pk).update(status=status, status_updated_at=at)
            with django_capture_on_commit_callbacks(execute=True):
                signals.connector_status_changed.send(
                    sender=None,
                    station_id=connector.station_id,
                    connector_number=1,
                    status=status,
                    error_code=error_code,
                    previous_status=previous_status,
                    previous_error_code=previous_error_code,
                    at=at,
                )
    finally:
        app.conf.task_always_eager = False
    incident = Incident.objects.get()
    assert incident.status in (Incident.Status.DISMISSED, Incident.Status.RESOLVED)
    assert incident.resolution == "Recovered: Available"


def test_connector_flapping_every_45_seconds_is_one_incident_and_one_alert(settings):
    settings.OPS_DEBOUNCE_SECONDS = 30
    settings.OPS_FLAP_SECONDS = 900
    connector = ConnectorFactory()
    for flap in range(5):
        start = T0 + flap * 45 * SECOND
        observe(connector, "Faulted", "GroundFailure", at=start)
        incidents.incidents_confirm_due(now=start + 40 * SECOND)
        notifications.alerts_dispatch(now=start + 40 * SECOND)
        observe(connector, "Available", at=start + 40 * SECOND)
    incident = Incident.objects.get()
    assert incident.occurrences == 5
    assert incident.details["flapping"] is True
    assert incident.opened_at == T0 + 40 * SECOND
    observe(connector, "Faulted", "GroundFailure", at=T0 + 300 * SECOND)
    notifications.alerts_dispatch(now=T0 + 301 * SECOND)
    incident = Incident.objects.get()
    # Told once, when it first outlived the window; the reopened incident is not news.
    assert (incident.status, incident.notified_at) == (Incident.Status.OPEN, T0 + 40 * SECOND)


def test_fault_returning_after_the_flap_window_is_a_new_incident(settings):
    settings.OPS_DEBOUNCE_SECONDS = 0
    settings.OPS_FLAP_SECONDS = 60
    connector = ConnectorFactory()
    observe(connector, "Faulted", "GroundFailure", at=T0)
    observe(connector, "Available", at=T0 + 10 * SECOND)
    observe(connector, "Faulted", "GroundFailure", at=T0 + 100 * SECOND)
    assert Incident.objects.count() == 2
