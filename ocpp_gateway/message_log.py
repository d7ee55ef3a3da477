"""Writes for the OCPP message log: every frame in and out, and its pruning."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Left

from ocpp_gateway import frames, metrics
from ocpp_gateway.message_log_writer import message_log_writer
from ocpp_gateway.models import MessageLog

RAW_LIMIT = 4096


def entry(
    *,
    station_id: int | None,
    direction: str,
    message_type: int,
    at: datetime,
    message_id: str = "",
    action: str = "",
    payload=None,
    raw: str = "",
    note: str = "",
) -> MessageLog:
    """An unsaved row, for callers that write several in one query. Every frame in and out
    passes here, so this is where frames are counted for /metrics."""
    metrics.frame_logged(direction=direction, message_type=message_type, action=action, payload=payload)
    return MessageLog(
        station_id=station_id,
        direction=direction,
        message_type=message_type,
        message_id=message_id[:64],
        action=action[:64],
        payload=payload,
        raw=raw[:RAW_LIMIT],
        note=note[:255],
        created_at=at,
    )


def rows_keep(rows: list[MessageLog]) -> None:
    """Keep log rows for frames whose work is in the caller's transaction: handed to the
    process's writer once it commits (a rolled-back transaction's rows are not: the caller
    logs what it answered instead), or, where no writer runs, written in it."""
    if message_log_writer.running:
        transaction.on_commit(lambda: message_log_writer.add(rows))
    else:
        MessageLog.objects.bulk_create(rows)


def record(**fields) -> MessageLog:
    """Write one row now and return it (its id is needed, e.g. to count more onto its note)."""
    row = entry(**fields)
    row.save()
    return row


def unlogged_count_note(*, row_id: int, count: int, window_seconds: int) -> None:
    """Append to a logged malformed frame's note how many more arrived in its window
    without being logged."""
    suffix = f" [+{count} more malformed frames within {window_seconds} s, not logged]"
    MessageLog.objects.filter(pk=row_id).update(note=Concat(Left("note", 255 - len(suffix)), Value(suffix)))


def frame_payload(frame: frames.Frame):
    if frame.message_type in (frames.CALLERROR, frames.CALLRESULTERROR):
        return {
            "errorCode": frame.error_code,
            "errorDescription": frame.error_description,
            "errorDetails": frame.error_details,
        }
    return frame.payload


def record_frame(*, station_id: int, direction: str, frame: frames.Frame, at: datetime, action="", note="") -> None:
    row = entry(
        station_id=station_id,
        direction=direction,
        message_type=frame.message_type,
        message_id=frame.message_id,
        action=action or frame.action,
        payload=frame_payload(frame),
        note=note,
        at=at,
    )
    rows_keep([row])


def message_log_prune(*, now: datetime, retention_days: int, batch_size: int = 10000) -> int:
    """Delete entries older than the retention, in batches so that a large backlog never
    holds one long lock. Idempotent; returns how many were deleted."""
    cutoff = now - timedelta(days=retention_days)
    deleted = 0
    while True:
        ids = list(MessageLog.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += MessageLog.objects.filter(pk__in=ids).delete()[0]
