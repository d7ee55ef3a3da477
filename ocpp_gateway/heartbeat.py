"""A Heartbeat from an accepted station, answered on the event loop: no worker thread, no
transaction. Its answer is the current time and acknowledges nothing stored, so it need
not wait for a commit ("acknowledge after commit", ARCHITECTURE.md, holds trivially);
what it records, last-seen, is written by the process's seen writer about a second later
(ocpp_gateway/seen_writer.py), and its two log rows go to the message log's writer.

Every other case keeps the worker-thread path (ocpp_gateway/exchange.py), so its CALLERROR
is classified exactly as before: a station not accepted (or pending, where a version lets a
Heartbeat through before acceptance), and any frame the protocol refuses."""

from dataclasses import dataclass
from datetime import datetime

from ocpp_gateway import frames, message_log
from ocpp_gateway.message_log_writer import message_log_writer
from ocpp_gateway.models import MessageLog
from ocpp_gateway.protocols.base import CallContext, Protocol
from ocpp_gateway.seen_writer import seen_writer
from stations.models import RegistrationStatus

ACTION = "Heartbeat"


@dataclass(frozen=True)
class LoopAnswer:
    text: str
    # Log rows the writer had no room for after all (another thread took it since
    # answers_on_loop): the caller hands them over from a worker thread, where back-pressure
    # may wait, as on the worker-thread path; the loop never does.
    unlogged: list


def answers_on_loop(*, frame: frames.Frame, registration_status: str) -> bool:
    """Whether this CALL may be answered on the event loop: a Heartbeat of an accepted
    station, while both writers run (PostgreSQL; the consumer starts them) and the message
    log's buffer has room for its rows. A full buffer means the database has been
    unreachable for a while: the worker-thread path then answers, as for any CALL."""
    return (
        frame.action == ACTION
        and registration_status == RegistrationStatus.ACCEPTED
        and seen_writer.running
        and message_log_writer.has_room(2)
    )


def heartbeat_answer(
    *, protocol: Protocol, station_id: int, identity: str, frame: frames.Frame, received_at: datetime
) -> LoopAnswer | None:
    """Validate and answer the Heartbeat exactly as the protocol does on the worker-thread
    path, with its last-seen handed to the seen writer. None when the protocol refuses the
    frame (or fails): the caller answers it on the worker-thread path, which logs and
    classifies the CALLERROR (and still records the station as seen)."""
    ctx = CallContext(
        station_id=station_id,
        identity=identity,
        message_id=frame.message_id,
        received_at=received_at,
        protocol=protocol,
        on_event_loop=True,
    )
    try:
        payload = protocol.answer(ctx, frame.action, frame.payload)
    except Exception:
        # Refused (OcppCallError) or failed: the worker-thread path answers, logs and classifies it.
        return None
    rows = [
        message_log.entry(
            station_id=station_id,
            direction=MessageLog.Direction.IN,
            message_type=frames.CALL,
            message_id=frame.message_id,
            action=frame.action,
            payload=frame.payload,
            at=received_at,
        ),
        message_log.entry(
            station_id=station_id,
            direction=MessageLog.Direction.OUT,
            message_type=frames.CALLRESULT,
            message_id=frame.message_id,
            action=frame.action,
            payload=payload,
            at=received_at,
        ),
    ]
    unlogged = [] if message_log_writer.offer(rows) else rows
    return LoopAnswer(text=frames.call_result(frame.message_id, payload), unlogged=unlogged)
