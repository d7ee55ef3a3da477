"""The synchronous half of the consumer: each function runs in a worker thread, does one
exchange's database work in one transaction, and returns what to send. The reply to a
CALL is therefore only sent after the commit of what it acknowledges.

Version-neutral: the protocol module validates and handles; this module logs, commits,
and turns failures into CALLERRORs that never leak internals."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from ocpp_gateway import frames, message_log, outbox
from ocpp_gateway.models import MessageLog
from ocpp_gateway.protocols.base import CallContext, OcppCallError, Protocol
from stations.models import RegistrationStatus
from stations.services import status as station_status

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "An internal error occurred; the request was not processed."


@dataclass(frozen=True)
class Answer:
    text: str
    registration_status: str | None = None


def call_answer(
    *,
    protocol: Protocol,
    station_id: int,
    identity: str,
    registration_status: str,
    frame: frames.Frame,
    received_at: datetime,
    touch_seen: bool,
) -> Answer:
    """Handle one CALL and return the CALLRESULT or CALLERROR to send. The handler and the
    last-seen update commit together; the log rows go to the message log's writer at that
    commit (ocpp_gateway/message_log_writer.py). When the handler fails its writes are
    rolled back and the log rows are kept on their own."""
    ctx = CallContext(
        station_id=station_id,
        identity=identity,
        message_id=frame.message_id,
        received_at=received_at,
        protocol=protocol,
    )
    incoming = message_log.entry(
        station_id=station_id,
        direction=MessageLog.Direction.IN,
        message_type=frames.CALL,
        message_id=frame.message_id,
        action=frame.action,
        payload=frame.payload,
        at=received_at,
    )
    try:
        with transaction.atomic():
            if registration_status != RegistrationStatus.ACCEPTED and frame.action not in (
                protocol.allowed_before_acceptance
            ):
                raise OcppCallError("SecurityError", "The station is not accepted; send BootNotification first.")
            payload = protocol.answer(ctx, frame.action, frame.payload)
            text = frames.call_result(frame.message_id, payload)
            reply = message_log.entry(
                station_id=station_id,
                direction=MessageLog.Direction.OUT,
                message_type=frames.CALLRESULT,
                message_id=frame.message_id,
                action=frame.action,
                payload=payload,
                at=received_at,
            )
            # A handler that recorded the station as seen (Heartbeat) has written that row already.
            seen_written = frame.action in protocol.seen_by_handler
            _finish(station_id, received_at, touch_seen and not seen_written, [incoming, reply])
        return Answer(text=text, registration_status=ctx.registration_status)
    except OcppCallError as error:
        text, reply = _error(station_id, frame, error.code, error.description, received_at)
    except Exception:
        if _database_lost():
            # Writing the log rows would wait for the database again, past the charger's
            # patience; the consumer answers InternalError at once and the charger retries.
            raise
        logger.exception("station %s: %s handler failed (message %s)", identity, frame.action, frame.message_id)
        text, reply = _error(station_id, frame, "InternalError", INTERNAL_ERROR, received_at)
    # Whatever the handler wrote was rolled back with its transaction; the frames are kept.
    with transaction.atomic():
        _finish(station_id, received_at, touch_seen, [incoming, reply])
    return Answer(text=text)


def send_take(
    *, protocol: Protocol, station_id: int, identity: str, frame: frames.Frame, received_at: datetime
) -> None:
    """Handle one SEND (OCPP 2.1): like a CALL, in one transaction with its log row, but
    nothing is answered; a SEND we cannot take is logged with the reason as its note."""
    ctx = CallContext(
        station_id=station_id,
        identity=identity,
        message_id=frame.message_id,
        received_at=received_at,
        protocol=protocol,
    )
    note = ""
    try:
        with transaction.atomic():
            protocol.take(ctx, frame.action, frame.payload)
            message_log.record_frame(
                station_id=station_id, direction=MessageLog.Direction.IN, frame=frame, at=received_at
            )
        return
    except OcppCallError as error:
        note = f"not taken: {error.code}: {error.description}"
    except Exception:
        logger.exception("station %s: SEND %s failed (message %s)", identity, frame.action, frame.message_id)
        note = "not taken: InternalError"
    message_log.record_frame(
        station_id=station_id, direction=MessageLog.Direction.IN, frame=frame, at=received_at, note=note
    )


def result_error_record(*, station_id: int, frame: frames.Frame, received_at: datetime) -> None:
    """A CALLRESULTERROR (OCPP 2.1): the charger could not take one of our CALLRESULTs.
    Nothing to undo (what we answered had committed); kept in the log for staff."""
    message_log.record_frame(
        station_id=station_id,
        direction=MessageLog.Direction.IN,
        frame=frame,
        at=received_at,
        note="the charger refused our CALLRESULT",
    )


def _database_lost() -> bool:
    """Whether the last failure was losing the database: no connection could be had, or
    the one in use broke."""
    raw = connection.connection
    return raw is None or getattr(raw, "closed", False) or getattr(raw, "broken", False)


def _finish(station_id: int, received_at: datetime, touch_seen: bool, log_rows: list) -> None:
    if touch_seen:
        station_status.station_seen(station_id=station_id, at=received_at)
    message_log.rows_keep(log_rows)


def _error(station_id: int, frame: frames.Frame, code: str, description: str, at: datetime):
    text = frames.call_error(frame.message_id, code, description)
    row = message_log.entry(
        station_id=station_id,
        direction=MessageLog.Direction.OUT,
        message_type=frames.CALLERROR,
        message_id=frame.message_id,
        action=frame.action,
        payload={"errorCode": code, "errorDescription": description, "errorDetails": {}},
        at=at,
    )
    return text, row


def frame_refused(*, station_id: int, raw: str, error: frames.FrameError, received_at: datetime) -> int:
    """Log a frame we could not take, as one row whose note is the CALLERROR it was
    answered with (or "ignored" for frames that get no answer, such as an unknown message
    type or a malformed response). Returns the row's id."""
    return message_log.record(
        station_id=station_id,
        direction=MessageLog.Direction.IN,
        message_type=0,
        message_id="" if error.message_id == frames.UNKNOWN_ID else error.message_id,
        raw=raw,
        note=f"{error.code}: {error.description}" + (" (ignored)" if error.ignore else ""),
        at=received_at,
    ).pk


@dataclass(frozen=True)
class ConnectionOpened:
    current: bool  # whether this connection is the station's newest
    command_waiting: bool  # whether a deliverable command was pending when it was recorded


def connection_open(*, protocol: Protocol, station_id: int, at: datetime) -> ConnectionOpened:
    """Record the connection that began at `at`. If it is the station's newest, calls left
    unanswered on an earlier connection can no longer be answered, so they time out now.
    Also tells whether a command waits for the station, in the same transaction, so that
    a charger with none (nearly every reconnect) costs no claim after its boot."""
    with transaction.atomic():
        current = station_status.station_connect(station_id=station_id, at=at, ocpp_protocol=protocol.subprotocol)
        if current:
            outbox.commands_abandon_in_flight(
                protocol=protocol, station_id=station_id, reason="The connection was replaced before a response."
            )
        waiting = outbox.command_waiting(station_id=station_id, now=at)
    return ConnectionOpened(current=current, command_waiting=waiting)


def connection_close(
    *, protocol: Protocol, station_id: int, connected_at: datetime, in_flight_command_id: int | None, at: datetime
) -> None:
    with transaction.atomic():
        station_status.station_disconnect(station_id=station_id, connected_at=connected_at, at=at)
        if in_flight_command_id is not None:
            outbox.command_time_out(
                protocol=protocol,
                command_id=in_flight_command_id,
                reason="The connection closed before a response.",
            )
