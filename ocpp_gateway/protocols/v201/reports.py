"""OCPP 2.0.1 notifications we keep as sent (StationReport, read-only in the admin) and
acknowledge: diagnostics and monitoring (N), display messages (O), charging limits,
profiles and EV charging needs (K), reservation updates (H), firmware publishing (L);
plus the firmware and log status notifications that follow a command (L, N) and
DataTransfer (P)."""

from ocpp.v201.enums import Action

from drivers.services import reservations
from ocpp_gateway import state, station_reports
from ocpp_gateway.protocols.base import CallContext
from ocpp_gateway.protocols.v201 import PROTOCOL
from stations.load_management import needs
from stations.services import status as station_status

# Kept as sent and answered with an empty response.
KEPT = (
    Action.cleared_charging_limit,
    Action.notify_charging_limit,
    Action.notify_customer_information,
    Action.notify_display_messages,
    Action.notify_event,
    Action.notify_monitoring_report,
    Action.publish_firmware_status_notification,
    Action.report_charging_profiles,
)


def _kept(action: str):
    def handler(ctx: CallContext, **payload) -> dict:
        station_reports.report_store(station_id=ctx.station_id, action=action, payload=payload, at=ctx.received_at)
        return {}

    return handler


for _action in KEPT:
    PROTOCOL.on(_action)(_kept(str(_action)))


@PROTOCOL.on(Action.reservation_status_update)
def reservation_status_update(
    ctx: CallContext, *, reservation_id: int, reservation_update_status: str, **payload
) -> dict:
    station_reports.report_store(
        station_id=ctx.station_id,
        action="ReservationStatusUpdate",
        payload={"reservation_id": reservation_id, "reservation_update_status": reservation_update_status, **payload},
        at=ctx.received_at,
    )
    reservations.reservation_record_ended(
        reservation_id=reservation_id, station_id=ctx.station_id, expired=reservation_update_status == "Expired"
    )
    return {}


@PROTOCOL.on(Action.notify_ev_charging_needs)
def notify_ev_charging_needs(ctx: CallContext, **payload) -> dict:
    station_reports.report_store(
        station_id=ctx.station_id, action="NotifyEVChargingNeeds", payload=payload, at=ctx.received_at
    )
    # K15: Accepted promises a charging schedule, which load management's re-allocation
    # provides (the session's TxProfile); without it the EV charges by its own limits.
    if needs.ev_charging_needs_take(station_id=ctx.station_id):
        return {"status": "Accepted"}
    return {"status": "Rejected", "statusInfo": {"reasonCode": "NoSchedule"}}


@PROTOCOL.on(Action.notify_ev_charging_schedule)
def notify_ev_charging_schedule(ctx: CallContext, **payload) -> dict:
    station_reports.report_store(
        station_id=ctx.station_id, action="NotifyEVChargingSchedule", payload=payload, at=ctx.received_at
    )
    return {"status": "Accepted"}


@PROTOCOL.on(Action.firmware_status_notification)
def firmware_status_notification(ctx: CallContext, *, status: str, **_) -> dict:
    station_status.firmware_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    state.firmware_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    return {}


@PROTOCOL.on(Action.log_status_notification)
def log_status_notification(ctx: CallContext, *, status: str, request_id: int | None = None, **_) -> dict:
    # The upload of a neutral get_log request (security or diagnostics log) names its
    # requestId; any other is get_diagnostics' (2.0.1 sends that as GetLog too).
    if state.log_status_record(
        station_id=ctx.station_id, status=status, request_id=request_id, at=ctx.received_at, latest_otherwise=False
    ):
        return {}
    station_status.diagnostics_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    state.diagnostics_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    return {}


@PROTOCOL.on(Action.data_transfer)
def data_transfer(ctx: CallContext, *, vendor_id: str, **_) -> dict:
    # No vendor extensions are installed; the frame itself is kept in the message log.
    return {"status": "UnknownVendorId"}
