"""OCPP 1.6 Firmware Management, charger→CSMS: FirmwareStatusNotification and
DiagnosticsStatusNotification, linked to the UpdateFirmware/GetDiagnostics command that
caused them; the security extension's SignedFirmwareStatusNotification goes the same way."""

from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_gateway import state
from ocpp_gateway.protocols.base import CallContext
from ocpp_gateway.protocols.v16 import PROTOCOL
from stations.services import status as station_status


@PROTOCOL.on(Action.firmware_status_notification)
def firmware_status_notification(ctx: CallContext, *, status: str, **_) -> call_result.FirmwareStatusNotification:
    station_status.firmware_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    state.firmware_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    return call_result.FirmwareStatusNotification()


@PROTOCOL.on(Action.diagnostics_status_notification)
def diagnostics_status_notification(ctx: CallContext, *, status: str, **_) -> call_result.DiagnosticsStatusNotification:
    station_status.diagnostics_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    state.diagnostics_status_record(station_id=ctx.station_id, status=status, at=ctx.received_at)
    return call_result.DiagnosticsStatusNotification()


@PROTOCOL.on(Action.signed_firmware_status_notification)
def signed_firmware_status_notification(
    ctx: CallContext, *, status: str, **_
) -> call_result.SignedFirmwareStatusNotification:
    firmware_status_notification(ctx, status=status)
    return call_result.SignedFirmwareStatusNotification()
