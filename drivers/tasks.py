"""Celery tasks for drivers. Thin: each calls one service and is safe to run twice.
Beat entries are in config/celery.py."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from drivers.services import reservations

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def reservations_expire() -> int:
    """End reservations whose expiry has passed (the charger drops them by itself)."""
    return reservations.reservations_expire(now=timezone.now())
