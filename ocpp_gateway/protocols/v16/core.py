"""OCPP 1.6 Core profile, charger→CSMS: BootNotification, Heartbeat, StatusNotification,
Authorize, DataTransfer."""

from ocpp.v16 import call_result
from ocpp.v16.enums import Action, DataTransferStatus, RegistrationStatus

from drivers.selectors.tokens import AuthorizationResult, token_authorization
from ocpp_gateway.protocols.base import CallContext, format_time, parse_time
from ocpp_gateway.protocols.v16 import PROTOCOL
from ocpp_gateway.protocols.v16.id_tags import id_tag_info
from stations.services import status as station_status

# How soon a Pending station should boot again to learn whether staff accepted it.
PENDING_RETRY_SECONDS = 60


@PROTOCOL.on(Action.boot_notification)
def boot_notification(
    ctx: CallContext,
    *,
    charge_point_vendor: str,
    charge_point_model: str,
    charge_point_serial_number: str | None = None,
    charge_box_serial_number: str | None = None,
    firmware_version: str | None = None,
    iccid: str | None = None,
    imsi: str | None = None,
    meter_type: str | None = None,
    meter_serial_number: str | None = None,
    **_,
) -> call_result.BootNotification:
    registration, interval = station_status.station_boot(
        station_id=ctx.station_id,
        vendor=charge_point_vendor,
        model=charge_point_model,
        at=ctx.received_at,
        serial_number=charge_point_serial_number or charge_box_serial_number or "",
        firmware_version=firmware_version or "",
        meter_type=meter_type or "",
        meter_serial_number=meter_serial_number or "",
        iccid=iccid or "",
        imsi=imsi or "",
    )
    ctx.registration_status = registration
    if registration == RegistrationStatus.pending:
        interval = min(interval, PENDING_RETRY_SECONDS)
    return call_result.BootNotification(
        current_time=format_time(ctx.received_at), interval=interval, status=RegistrationStatus(registration)
    )


@PROTOCOL.on(Action.heartbeat)
def heartbeat(ctx: CallContext, **_) -> call_result.Heartbeat:
    ctx.heartbeat_record()
    return call_result.Heartbeat(current_time=format_time(ctx.received_at))


@PROTOCOL.on(Action.status_notification)
def status_notification(
    ctx: CallContext,
    *,
    connector_id: int,
    error_code: str,
    status: str,
    timestamp: str | None = None,
    info: str | None = None,
    vendor_id: str | None = None,
    vendor_error_code: str | None = None,
    **_,
) -> call_result.StatusNotification:
    station_status.connector_status_record(
        station_id=ctx.station_id,
        connector_number=connector_id,
        status=status,
        error_code=error_code,
        received_at=ctx.received_at,
        charger_timestamp=parse_time(timestamp, "timestamp"),
        info=info or "",
        vendor_id=vendor_id or "",
        vendor_error_code=vendor_error_code or "",
    )
    return call_result.StatusNotification()


@PROTOCOL.on(Action.authorize)
def authorize(ctx: CallContext, *, id_tag: str, **_) -> call_result.Authorize:
    authorization: AuthorizationResult = token_authorization(id_tag=id_tag)
    return call_result.Authorize(
        id_tag_info=id_tag_info(
            status=authorization.status,
            expiry_date=authorization.expiry_date,
            parent_id_tag=authorization.parent_id_tag,
        )
    )


@PROTOCOL.on(Action.data_transfer)
def data_transfer(ctx: CallContext, *, vendor_id: str, **_) -> call_result.DataTransfer:
    # No vendor extensions are installed; the frame itself is kept in the message log.
    return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)
