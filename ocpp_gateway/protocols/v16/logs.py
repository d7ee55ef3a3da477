"""OCPP 1.6 security extension, logs: GetLog (diagnostics or security log) and the
LogStatusNotification that follows it, linked to the request by its requestId."""

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_gateway import state
from ocpp_gateway.protocols.base import CallContext, format_time, parse_time
from ocpp_gateway.protocols.v16 import PROTOCOL

LOG_TYPES = {"diagnostics": "DiagnosticsLog", "security": "SecurityLog"}


@PROTOCOL.translates("get_log", "GetLog")
def get_log(p: dict) -> dict:
    # Formatted here: the gateway's formatting of schema dateTimes does not follow GetLog's $ref.
    window = {
        name: format_time(parse_time(p[key], key))
        for name, key in (("oldestTimestamp", "start_at"), ("latestTimestamp", "stop_at"))
        if p.get(key)
    }
    return {
        "logType": LOG_TYPES[p["log_type"]],
        "requestId": p["request_id"],
        "log": {"remoteLocation": p["location"], **window},
        **{name: p[key] for name, key in (("retries", "retries"), ("retryInterval", "retry_interval")) if key in p},
    }


@PROTOCOL.on(Action.log_status_notification)
def log_status_notification(
    ctx: CallContext, *, status: str, request_id: int | None = None, **_
) -> call_result.LogStatusNotification:
    state.log_status_record(station_id=ctx.station_id, status=status, request_id=request_id, at=ctx.received_at)
    return call_result.LogStatusNotification()
