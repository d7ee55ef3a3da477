"""Celery tasks for drivers. Thin: each calls one service and is safe to run twice.
Beat entries are in config/celery.py."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from drivers.services import reservations

# Sent by the notification service itself, hence declared there; listed here with the rest.
from drivers.services.notifications import driver_notification_mail  # noqa: F401

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def reservations_expire() -> int:
    """End reservations whose expiry has passed (the charger drops them by itself)."""
    return reservations.reservations_expire(now=timezone.now())
