"""OCPP 2.0.1 block B (provisioning), charger→CSMS: BootNotification (with its reason),
Heartbeat, NotifyReport (the device model, stored per component and variable)."""

from ocpp.v201 import call_result
from ocpp.v201.enums import Action, RegistrationStatusEnumType

from ocpp_gateway import device_model, state
from ocpp_gateway.protocols.base import CallContext, format_time, parse_time
from ocpp_gateway.protocols.v201 import PROTOCOL
from stations.services import status as station_status

# How soon a Pending station should boot again to learn whether staff accepted it.
PENDING_RETRY_SECONDS = 60


@PROTOCOL.on(Action.boot_notification)
def boot_notification(ctx: CallContext, *, charging_station: dict, reason: str, **_) -> call_result.BootNotification:
    modem = charging_station.get("modem") or {}
    registration, interval = station_status.station_boot(
        station_id=ctx.station_id,
        vendor=charging_station["vendor_name"],
        model=charging_station["model"],
        at=ctx.received_at,
        serial_number=charging_station.get("serial_number") or "",
        firmware_version=charging_station.get("firmware_version") or "",
        iccid=modem.get("iccid") or "",
        imsi=modem.get("imsi") or "",
    )
    state.boot_reason_record(station_id=ctx.station_id, reason=reason)
    ctx.registration_status = registration
    if registration == RegistrationStatusEnumType.pending:
        interval = min(interval, PENDING_RETRY_SECONDS)
    return call_result.BootNotification(
        current_time=format_time(ctx.received_at), interval=interval, status=RegistrationStatusEnumType(registration)
    )


@PROTOCOL.on(Action.heartbeat)
def heartbeat(ctx: CallContext, **_) -> call_result.Heartbeat:
    ctx.heartbeat_record()
    return call_result.Heartbeat(current_time=format_time(ctx.received_at))


@PROTOCOL.on(Action.notify_report)
def notify_report(
    ctx: CallContext, *, request_id: int, generated_at: str, seq_no: int, report_data: list | None = None, **_
) -> call_result.NotifyReport:
    device_model.report_store(
        station_id=ctx.station_id, report_data=report_data or [], at=parse_time(generated_at, "generatedAt")
    )
    return call_result.NotifyReport()
