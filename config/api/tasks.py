from celery import shared_task
from django.utils import timezone

from config.api.idempotency import idempotency_records_purge


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Daily: forget Idempotency-Key records past their retention. Safe to run twice."""
    return idempotency_records_purge(now=timezone.now())
