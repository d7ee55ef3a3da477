"""OCPP 2.0.1 block G (availability), charger→CSMS: StatusNotification, per EVSE and
connector, into the domain's connector status.

2.0.1 reports a connector as Available, Occupied, Reserved, Unavailable or Faulted; what
1.6 called Preparing, Charging, SuspendedEV/EVSE and Finishing comes with the
transaction (TransactionEvent's chargingState, see transactions.py). Occupied alone is
recorded as Preparing: a vehicle is plugged in, nothing is charging yet."""

from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from ocpp_gateway.protocols.base import CallContext, parse_time
from ocpp_gateway.protocols.v201 import PROTOCOL
from stations.models import ChargePointStatus
from stations.selectors.evses import connector_number_for_evse
from stations.services import status as station_status

CONNECTOR_STATUS = {
    "Available": ChargePointStatus.AVAILABLE,
    "Occupied": ChargePointStatus.PREPARING,
    "Reserved": ChargePointStatus.RESERVED,
    "Unavailable": ChargePointStatus.UNAVAILABLE,
    "Faulted": ChargePointStatus.FAULTED,
}
# TransactionEvent chargingState → the connector status it means.
CHARGING_STATE_STATUS = {
    "Charging": ChargePointStatus.CHARGING,
    "EVConnected": ChargePointStatus.PREPARING,
    "SuspendedEV": ChargePointStatus.SUSPENDED_EV,
    "SuspendedEVSE": ChargePointStatus.SUSPENDED_EVSE,
    "Idle": ChargePointStatus.PREPARING,
}


@PROTOCOL.on(Action.status_notification)
def status_notification(
    ctx: CallContext, *, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_
) -> call_result.StatusNotification:
    status = CONNECTOR_STATUS[connector_status]
    station_status.connector_status_record(
        station_id=ctx.station_id,
        connector_number=connector_number_for_evse(
            station_id=ctx.station_id, evse_id=evse_id, connector_id=connector_id
        ),
        status=status,
        # 2.0.1 reports the fault itself through NotifyEvent; the status says only that there is one.
        error_code="OtherError" if status == ChargePointStatus.FAULTED else "NoError",
        received_at=ctx.received_at,
        charger_timestamp=parse_time(timestamp, "timestamp"),
        info=f"evse {evse_id} connector {connector_id}: {connector_status}"[:50],
    )
    return call_result.StatusNotification()


def charging_state_record(*, ctx: CallContext, connector_number: int, charging_state: str, at) -> None:
    """What a TransactionEvent's chargingState says about its connector."""
    status = CHARGING_STATE_STATUS.get(charging_state)
    if status is None:
        return
    station_status.connector_status_record(
        station_id=ctx.station_id,
        connector_number=connector_number,
        status=status,
        error_code="NoError",
        received_at=ctx.received_at,
        charger_timestamp=at,
        info=f"chargingState {charging_state}"[:50],
    )
