"""Upkeep of the API's Idempotency-Key records (config/api/idempotency.py)."""

from datetime import datetime, timedelta

from stations.models import IdempotencyRecord

# Keys protect a client's retries of one request; a day covers any sane retry policy.
RETENTION = timedelta(hours=24)


def idempotency_records_purge(*, now: datetime) -> int:
    """Delete records older than RETENTION; returns how many. Idempotent."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
