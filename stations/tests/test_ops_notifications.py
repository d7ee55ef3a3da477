"""Alerts: e-mail to on-call contacts, the signed webhook (against a real HTTP server on
loopback) with back-off, and a digest instead of a storm."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from stations.models import Incident, Notification
from stations.operations.services import incidents, notifications
from stations.tests.factories import ConnectorFactory, OrganisationFactory, SiteFactory
from stations.tests.ops_factories import T0, WorkOrderFactory

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    from config.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OPS_DEBOUNCE_SECONDS = 120
    settings.OPS_DIGEST_THRESHOLD = 20
    settings.OPS_ALERT_WEBHOOK_URL = ""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


class WebhookReceiver:
    """A real HTTP server on loopback that answers with the queued status codes."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/ev"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(settings):
    receivers = []

    def start(*statuses):
        receiver = WebhookReceiver(statuses)
        receivers.append(receiver)
        settings.OPS_ALERT_WEBHOOK_URL = receiver.url
        settings.OPS_ALERT_WEBHOOK_SECRET = SECRET
        return receiver

    yield start
    for receiver in receivers:
        receiver.close()


def operator_with_oncall():
    return OrganisationFactory(oncall_emails="oncall@example.com\nnot-an-address\nlead@example.com")


def open_fault(station, at=T0):
    incident = incidents.status_observe(
        station_id=station.pk, connector_number=1, status="Faulted", error_code="GroundFailure", at=at
    )
    incidents.incidents_confirm_due(now=at + timedelta(minutes=3))
    return incident


def test_open_incident_is_mailed_to_the_operators_oncall_contacts_once(django_capture_on_commit_callbacks):
    operator = operator_with_oncall()
    connector = ConnectorFactory(station__site=SiteFactory(operator=operator), station__agreement=None)
    open_fault(connector.station)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.alerts_dispatch(now=T0 + timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.alerts_dispatch(now=T0 + timedelta(minutes=4)) == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["oncall@example.com", "lead@example.com"]
    assert connector.station.identity in mail.outbox[0].subject
    assert "GroundFailure" in mail.outbox[0].body


def test_pending_incident_is_not_alerted(django_capture_on_commit_callbacks):
    operator = operator_with_oncall()
    connector = ConnectorFactory(station__site=SiteFactory(operator=operator), station__agreement=None)
    incidents.status_observe(
        station_id=connector.station_id, connector_number=1, status="Faulted", error_code="NoError", at=T0
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.alerts_dispatch(now=T0 + timedelta(seconds=30)) == []
    assert mail.outbox == []


@pytest.mark.parametrize(("failing_stations", "expected_messages"), [(20, 20), (21, 1)])
def test_more_than_threshold_stations_failing_at_once_send_one_digest(
    failing_stations, expected_messages, django_capture_on_commit_callbacks
):
    operator = operator_with_oncall()
    site = SiteFactory(operator=operator)
    stations = [ConnectorFactory(station__site=site, station__agreement=None).station for _ in range(failing_stations)]
    for n, station in enumerate(stations):
        open_fault(station, at=T0 + timedelta(seconds=n))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.alerts_dispatch(now=T0 + timedelta(minutes=4))
    assert len(mail.outbox) == expected_messages
    if expected_messages == 1:
        digest = mail.outbox[0]
        assert "21 stations failing" in digest.subject
        assert all(station.identity in digest.body for station in stations)
        assert Notification.objects.get().incidents.count() == 21
    assert not Incident.objects.filter(notified_at__isnull=True).exists()


def test_webhook_is_signed_with_hmac_over_timestamp_and_body(webhook, django_capture_on_commit_callbacks):
    receiver = webhook(200)
    connector = ConnectorFactory()
    incident = open_fault(connector.station)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.alerts_dispatch(now=T0 + timedelta(minutes=3))
    (headers, body) = receiver.requests[0]
    expected = notifications.webhook_signature(secret=SECRET, timestamp=headers["X-EVCMS-Timestamp"], body=body)
    assert headers["X-EVCMS-Signature"] == expected
    assert headers["X-EVCMS-Event"] == "incident.opened"
    assert json.loads(body)["incident"]["incident_id"] == incident.pk
    assert Notification.objects.get(channel="webhook").status == Notification.Status.SENT


def test_failing_webhook_is_retried_with_exponential_back_off(webhook, settings):
    settings.OPS_ALERT_BACKOFF_SECONDS = 30
    receiver = webhook(500, 503, 200)
    notification = Notification.objects.create(
        channel="webhook", kind="incident", recipients=[receiver.url], subject="s", body="b",
        payload={"event": "test"}, next_attempt_at=T0,
    )  # fmt: skip
    first = notifications.notification_deliver(notification_id=notification.pk, now=T0)
    assert (first.status, first.attempts, first.next_attempt_at) == ("pending", 1, T0 + timedelta(seconds=30))
    assert notifications.notifications_deliver_due(now=T0 + timedelta(seconds=29)) == []
    second = notifications.notification_deliver(notification_id=notification.pk, now=T0 + timedelta(seconds=30))
    assert (second.attempts, second.next_attempt_at) == (2, T0 + timedelta(seconds=90))
    assert notifications.notifications_deliver_due(now=T0 + timedelta(seconds=90)) == [notification.pk]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 3)
    assert len(receiver.requests) == 3


def test_webhook_gives_up_after_the_maximum_attempts(webhook, settings):
    settings.OPS_ALERT_MAX_ATTEMPTS = 2
    receiver = webhook(500, 500, 500)
    notification = Notification.objects.create(
        channel="webhook", kind="incident", recipients=[receiver.url], subject="s", body="b",
        payload={}, next_attempt_at=T0,
    )  # fmt: skip
    notifications.notification_deliver(notification_id=notification.pk, now=T0)
    final = notifications.notification_deliver(notification_id=notification.pk, now=T0 + timedelta(hours=1))
    assert (final.status, final.attempts) == ("failed", 2)
    assert "500" in final.last_error
    notifications.notification_deliver(notification_id=notification.pk, now=T0 + timedelta(days=1))
    assert len(receiver.requests) == 2


def test_delivering_a_sent_notification_again_sends_nothing():
    notification = Notification.objects.create(
        channel="email", kind="incident", recipients=["a@example.com"], subject="s", body="b", next_attempt_at=T0
    )
    notifications.notification_deliver(notification_id=notification.pk, now=T0)
    notifications.notification_deliver(notification_id=notification.pk, now=T0 + timedelta(minutes=1))
    assert len(mail.outbox) == 1


def test_operator_without_contacts_or_webhook_queues_nothing(caplog):
    connector = ConnectorFactory()
    open_fault(connector.station)
    assert notifications.alerts_dispatch(now=T0 + timedelta(minutes=3)) == []
    assert "not sent" in caplog.text


def test_overdue_work_orders_are_alerted_once(django_capture_on_commit_callbacks):
    from stations.operations.services import maintenance

    operator = operator_with_oncall()
    work_order = WorkOrderFactory(station__site=SiteFactory(operator=operator), station__agreement=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert maintenance.work_orders_alert_overdue(now=T0 + timedelta(days=10)) == [work_order.pk]
        assert maintenance.work_orders_alert_overdue(now=T0 + timedelta(days=11)) == []
    assert len(mail.outbox) == 1
    assert f"WO-{work_order.pk}" in mail.outbox[0].body
