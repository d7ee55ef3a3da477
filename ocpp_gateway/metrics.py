"""The gateway's Prometheus metrics (served at /metrics by config.metrics).

Counted at a few well-defined points: every frame in and out where it enters the message
log (message_log.entry), a CALL's round trip where its answer is recorded
(outbox.command_resolve), and the connected chargers where the consumer accepts and closes a
socket. Labels come from closed sets (OCPP's action names and error codes), so a charger
sending made-up actions cannot grow the series without bound.

With several web processes, set PROMETHEUS_MULTIPROC_DIR (docs/operations.md#metrics):
prometheus_client then keeps these values in files that /metrics sums over processes."""

import atexit
import os
from functools import cache

from prometheus_client import Counter, Gauge, Histogram, multiprocess

CONNECTED_CHARGERS = Gauge(
    "evcms_ocpp_connected_chargers",
    "Chargers with an open, admitted OCPP socket (summed over the live web processes).",
    multiprocess_mode="livesum",
)
FRAMES = Counter(
    "evcms_ocpp_frames",
    "OCPP frames by direction (in: from chargers), message type and action.",
    ["direction", "message_type", "action"],
)
CALL_ERRORS = Counter(
    "evcms_ocpp_callerrors",
    "CALLERROR frames by direction (out: ours to a charger's CALL; in: a charger's to our command) and code.",
    ["direction", "code"],
)
MESSAGE_LOG_DROPPED = Counter(
    "evcms_ocpp_message_log_dropped",
    "Message log rows dropped: the writer's buffer stayed full, or the database refused the row.",
)
CALL_ROUND_TRIP = Histogram(
    "evcms_ocpp_call_round_trip_seconds",
    "From sending a command's CALL to a charger until its CALLRESULT or CALLERROR arrived.",
    ["action"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # A process that exits normally takes its live gauges (connected chargers) with it.
    atexit.register(multiprocess.mark_process_dead, os.getpid())

MESSAGE_TYPES = {0: "invalid", 2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}
ERROR_CODES = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "FormatViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
        "MessageTypeNotSupported",
        "RpcFrameworkError",
    }
)


@cache
def _actions() -> frozenset[str]:
    from ocpp.v16.enums import Action as Action16
    from ocpp.v21.enums import Action as Action21
    from ocpp.v201.enums import Action as Action201

    actions = (Action16, Action201, Action21)
    return frozenset(a.value for version in actions for a in version) | {"NotifyPeriodicEventStream"}


def action_label(action: str) -> str:
    if not action:
        return ""
    return action if action in _actions() else "other"


def frame_logged(*, direction: str, message_type: int, action: str, payload) -> None:
    """Count one frame as it enters the message log."""
    FRAMES.labels(direction, MESSAGE_TYPES.get(message_type, "invalid"), action_label(action)).inc()
    if message_type == 4:
        code = payload.get("errorCode", "") if isinstance(payload, dict) else ""
        CALL_ERRORS.labels(direction, code if code in ERROR_CODES else "other").inc()


def call_answered(*, action: str, seconds: float) -> None:
    CALL_ROUND_TRIP.labels(action_label(action)).observe(max(0.0, seconds))
