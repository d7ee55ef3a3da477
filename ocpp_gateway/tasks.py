"""Celery tasks for the gateway. Thin: each calls one service, is safe to run twice and
retries only on database hiccups. Beat entries are in config/celery.py."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from ocpp_gateway import message_log, outbox, protocols
from ocpp_gateway.security import certificates
from ocpp_gateway.security.certificates import certificate_sign  # noqa: F401 - the worker learns the task here

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def message_log_prune() -> int:
    """Delete message-log entries older than OCPP_MESSAGE_LOG_RETENTION_DAYS."""
    return message_log.message_log_prune(now=timezone.now(), retention_days=settings.OCPP_MESSAGE_LOG_RETENTION_DAYS)


@shared_task(**RETRY)
def commands_sweep() -> tuple[int, int]:
    """Expire commands that waited too long for an offline station; time out calls whose
    connection died without an answer."""
    return outbox.commands_sweep(now=timezone.now(), protocol_for_station=protocols.for_station)


@shared_task(**RETRY)
def certificates_renew() -> int:
    """Ask stations whose certificate expires within OCPP_CERTIFICATE_RENEW_DAYS for a new CSR."""
    return len(
        certificates.certificates_renew_due(now=timezone.now(), within_days=settings.OCPP_CERTIFICATE_RENEW_DAYS)
    )
