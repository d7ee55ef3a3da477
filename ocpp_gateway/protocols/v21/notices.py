"""OCPP 2.1 notifications kept as sent (StationReport, read-only in the admin) and
acknowledged: DER control and alarms (V2X), settlements of payment-terminal sessions,
battery swaps, priority charging, and the periodic event streams (whose data arrive as
SEND frames)."""

from ocpp.v21.enums import Action

from ocpp_gateway import station_reports
from ocpp_gateway.protocols.base import CallContext
from ocpp_gateway.protocols.v21 import PROTOCOL

KEPT = (
    Action.battery_swap,
    Action.close_periodic_event_stream,
    Action.notify_der_alarm,
    Action.notify_der_start_stop,
    Action.notify_priority_charging,
    Action.notify_settlement,
    Action.report_der_control,
)


def _kept(action: str, answer: dict):
    def handler(ctx: CallContext, **payload) -> dict:
        station_reports.report_store(station_id=ctx.station_id, action=action, payload=payload, at=ctx.received_at)
        return dict(answer)

    return handler


for _action in KEPT:
    PROTOCOL.on(_action)(_kept(str(_action), {}))
# A stream is accepted so that its data (NotifyPeriodicEventStream) are kept too.
PROTOCOL.on(Action.open_periodic_event_stream)(_kept("OpenPeriodicEventStream", {"status": "Accepted"}))
PROTOCOL.on("NotifyPeriodicEventStream")(_kept("NotifyPeriodicEventStream", {}))
