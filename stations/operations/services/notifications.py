"""Alerts to the operator's on-call contacts: e-mail and an optional HMAC-signed webhook.

Every message is a `Notification` row first (an outbox): delivery claims the row with a
compare-and-set, sends, and records the outcome, so a retried task never sends twice and
a failing webhook is retried with exponential back-off until OPS_ALERT_MAX_ATTEMPTS.
When more than OPS_DIGEST_THRESHOLD stations of one operator fail within
OPS_DIGEST_WINDOW_SECONDS, one digest replaces the storm of single alerts."""

import hashlib
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import requests
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from stations.models import ChargingStation, Incident, Notification, Organisation

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120
WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-EVCMS-Signature"
TIMESTAMP_HEADER = "X-EVCMS-Timestamp"


def oncall_recipients(*, organisation: Organisation | None) -> list[str]:
    if organisation is None:
        return []
    return [line.strip() for line in organisation.oncall_emails.splitlines() if "@" in line]


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over "<timestamp>.<body>": the receiver recomputes it with the shared
    secret and rejects stale timestamps, so a captured request cannot be replayed later."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def notification_queue(
    *,
    organisation: Organisation | None,
    kind: str,
    subject: str,
    body: str,
    payload: dict,
    incidents: Iterable[Incident] = (),
    now: datetime,
) -> list[Notification]:
    """Create the e-mail (if the organisation has on-call contacts) and webhook (if one is
    configured) notifications and enqueue their delivery after commit."""
    channels = []
    recipients = oncall_recipients(organisation=organisation)
    if recipients:
        channels.append((Notification.Channel.EMAIL, recipients))
    if settings.OPS_ALERT_WEBHOOK_URL:
        channels.append((Notification.Channel.WEBHOOK, [settings.OPS_ALERT_WEBHOOK_URL]))
    incidents = list(incidents)
    created = []
    for channel, to in channels:
        notification = Notification.objects.create(
            channel=channel,
            kind=kind,
            organisation=organisation,
            recipients=to,
            subject=subject[:255],
            body=body,
            payload=payload,
            next_attempt_at=now,
        )
        notification.incidents.set(incidents)
        created.append(notification)
    if not channels:
        logger.warning("No on-call contact or webhook for %s: alert %r not sent", organisation, subject)
    for notification in created:
        deliver_notification.delay(notification.pk)
    return created


def alerts_dispatch(*, now: datetime) -> list[int]:
    """Queue notifications for every open incident nobody has been told about yet: one
    per incident, or one digest per operator when a storm is under way. Returns the ids of
    the notifications created. Incidents are claimed by compare-and-set on notified_at, so
    concurrent dispatchers never alert twice."""
    unnotified = (
        Incident.objects.filter(status=Incident.Status.OPEN, notified_at__isnull=True)
        .select_related("station__site__operator", "station__agreement__operator")
        .order_by("opened_at", "pk")
    )
    by_operator: dict[Organisation | None, list[Incident]] = defaultdict(list)
    for incident in unnotified:
        by_operator[incident.station.operator].append(incident)
    created: list[int] = []
    for operator, incidents in by_operator.items():
        claimed = [i for i in incidents if _claim(i, now=now)]
        if not claimed:
            continue
        if _storm_station_count(operator=operator, now=now) > settings.OPS_DIGEST_THRESHOLD:
            created += [n.pk for n in _queue_digest(operator=operator, incidents=claimed, now=now)]
        else:
            for incident in claimed:
                created += [n.pk for n in _queue_single(operator=operator, incident=incident, now=now)]
    return created


def _claim(incident: Incident, *, now: datetime) -> bool:
    return bool(Incident.objects.filter(pk=incident.pk, notified_at__isnull=True).update(notified_at=now))


def _storm_station_count(*, operator: Organisation | None, now: datetime) -> int:
    since = now - timedelta(seconds=settings.OPS_DIGEST_WINDOW_SECONDS)
    recent = Incident.objects.filter(opened_at__gte=since, opened_at__lte=now)
    if operator is None:
        recent = recent.filter(station__site__isnull=True, station__agreement__isnull=True)
    else:
        recent = recent.filter(station__in=operator_station_ids(operator=operator))
    return recent.values("station_id").distinct().count()


def operator_station_ids(*, operator: Organisation):
    return ChargingStation.objects.filter(
        Q(agreement__operator=operator) | Q(agreement__isnull=True, site__operator=operator)
    ).values("pk")


def _incident_line(incident: Incident) -> str:
    where = incident.station.identity + (f" connector {incident.connector_number}" if incident.connector_number else "")
    return (
        f"[{incident.get_severity_display()}] {incident.get_cause_display()} at {where}"
        f" since {incident.first_seen_at:%Y-%m-%d %H:%M:%S} UTC — {incident.summary}"
    )


def _incident_payload(incident: Incident) -> dict:
    return {
        "incident_id": incident.pk,
        "station": incident.station.identity,
        "station_id": incident.station_id,
        "connector_number": incident.connector_number,
        "cause": incident.cause,
        "severity": incident.get_severity_display(),
        "summary": incident.summary,
        "first_seen_at": incident.first_seen_at.isoformat(),
        "last_seen_at": incident.last_seen_at.isoformat(),
        "occurrences": incident.occurrences,
    }


def _queue_single(*, operator, incident: Incident, now: datetime) -> list[Notification]:
    return notification_queue(
        organisation=operator,
        kind=Notification.Kind.INCIDENT,
        subject=f"[EV ops] {incident.get_cause_display()} at {incident.station.identity}",
        body=_incident_line(incident) + "\n",
        payload={"event": "incident.opened", "incident": _incident_payload(incident)},
        incidents=[incident],
        now=now,
    )


def _queue_digest(*, operator, incidents: list[Incident], now: datetime) -> list[Notification]:
    stations = sorted({i.station.identity for i in incidents})
    lines = "\n".join(_incident_line(i) for i in incidents)
    return notification_queue(
        organisation=operator,
        kind=Notification.Kind.DIGEST,
        subject=f"[EV ops] {len(stations)} stations failing: {len(incidents)} incidents",
        body=f"Many stations failed at once; one message instead of {len(incidents)}.\n\n{lines}\n",
        payload={
            "event": "incident.digest",
            "stations": stations,
            "incidents": [_incident_payload(i) for i in incidents],
        },
        incidents=incidents,
        now=now,
    )


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> Notification:
    """Send one notification if it is pending and due. Success marks it sent; a failure
    schedules the next attempt OPS_ALERT_BACKOFF_SECONDS × 2^(attempt-1) later, or gives up
    after OPS_ALERT_MAX_ATTEMPTS. Never sends a notification twice; never raises for a
    failed delivery (the outcome is on the row)."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        return notification  # sent, given up, not due yet, or another worker holds it
    try:
        _send(notification)
    except Exception as error:
        return _record_failure(notification, error=error, now=now)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT, sent_at=now, attempts=notification.attempts + 1, last_error=""
    )
    notification.refresh_from_db()
    return notification


def _record_failure(notification: Notification, *, error: Exception, now: datetime) -> Notification:
    attempts = notification.attempts + 1
    gave_up = attempts >= settings.OPS_ALERT_MAX_ATTEMPTS
    delay = settings.OPS_ALERT_BACKOFF_SECONDS * 2 ** (attempts - 1)
    Notification.objects.filter(pk=notification.pk).update(
        attempts=attempts,
        last_error=str(error)[:2000],
        status=Notification.Status.FAILED if gave_up else Notification.Status.PENDING,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    logger.warning("Notification %s attempt %s failed: %s", notification.pk, attempts, error)
    notification.refresh_from_db()
    return notification


def _send(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        send_mail(
            subject=notification.subject,
            message=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=notification.recipients,
            fail_silently=False,
        )
        return
    body = json.dumps(notification.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(timezone.now().timestamp()))
    for url in notification.recipients:
        response = requests.post(
            url,
            data=body,
            timeout=WEBHOOK_TIMEOUT_SECONDS,
            headers={
                "Content-Type": "application/json",
                "X-EVCMS-Event": notification.payload.get("event", notification.kind),
                "X-EVCMS-Delivery": str(notification.pk),
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: webhook_signature(
                    secret=settings.OPS_ALERT_WEBHOOK_SECRET, timestamp=timestamp, body=body
                ),
            },
        )
        response.raise_for_status()


def notifications_deliver_due(*, now: datetime) -> list[int]:
    """Try every pending notification whose next attempt is due; returns the ids tried."""
    due = list(
        Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    for notification_id in due:
        notification_deliver(notification_id=notification_id, now=now)
    return due


# The task this module sends is declared beside it (and re-exported by stations/tasks.py),
# so that the tasks module, which imports the services it runs, and this one never import
# each other. The task class sends it after commit.
@shared_task(
    name="stations.tasks.deliver_notification",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id).status
