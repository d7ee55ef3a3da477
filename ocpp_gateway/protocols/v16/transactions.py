"""OCPP 1.6 transactions, charger→CSMS: StartTransaction, MeterValues, StopTransaction.

The domain rules (idempotent start, energy that never goes negative, discrepancies kept
for reconciliation) live in stations.services.sessions; here is only the 1.6 shape."""

from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus
from ocpp.v16.enums import Reason as StopReason

from drivers.selectors.sessions import session_token
from drivers.selectors.tokens import token_authorization
from drivers.services import reservations
from ocpp_gateway.protocols.base import CallContext, OcppCallError, parse_time
from ocpp_gateway.protocols.v16 import PROTOCOL
from ocpp_gateway.protocols.v16.id_tags import id_tag_info
from stations.models import ChargingSession
from stations.services import sessions
from stations.services.sessions import Sample

# Transaction ids are our sessions' 64-bit primary keys. The 1.6 schema bounds no integer,
# so a larger one passes it; it names nothing we issued and the database could not even
# compare it, so it is answered as a type violation before the domain sees it.
ROW_ID_RANGE = range(-(2**63), 2**63)


def _transaction_id(value: int | None) -> int | None:
    if value is not None and value not in ROW_ID_RANGE:
        raise OcppCallError("TypeConstraintViolation", "transactionId: beyond any transaction id this CSMS issues.")
    return value


@PROTOCOL.on(Action.start_transaction)
def start_transaction(
    ctx: CallContext,
    *,
    connector_id: int,
    id_tag: str,
    meter_start: int,
    timestamp: str,
    reservation_id: int | None = None,
    **_,
) -> call_result.StartTransaction:
    outcome = sessions.session_start(
        station_id=ctx.station_id,
        connector_number=connector_id,
        id_tag=id_tag,
        meter_start_wh=meter_start,
        started_at=parse_time(timestamp, "timestamp"),
        received_at=ctx.received_at,
        reservation_id=reservation_id,
    )
    session = outcome.session
    if outcome.created and reservation_id is not None and session.status == ChargingSession.Status.ACTIVE:
        reservations.reservation_use(reservation_id=reservation_id, station_id=ctx.station_id, session_id=session.pk)
    token = session_token(session=session)
    return call_result.StartTransaction(
        transaction_id=session.pk,
        id_tag_info=id_tag_info(
            status=session.auth_status,
            expiry_date=token.expires_at if token else None,
            parent_id_tag=token.parent_id_tag if token else None,
        ),
    )


@PROTOCOL.on(Action.meter_values)
def meter_values(
    ctx: CallContext, *, connector_id: int, meter_value: list, transaction_id: int | None = None, **_
) -> call_result.MeterValues:
    sessions.meter_values_record(
        station_id=ctx.station_id,
        connector_number=connector_id,
        transaction_id=_transaction_id(transaction_id),
        samples=samples_from(meter_value),
        received_at=ctx.received_at,
    )
    return call_result.MeterValues()


@PROTOCOL.on(Action.stop_transaction)
def stop_transaction(
    ctx: CallContext,
    *,
    meter_stop: int,
    timestamp: str,
    transaction_id: int,
    id_tag: str | None = None,
    reason: str | None = None,
    transaction_data: list | None = None,
    **_,
) -> call_result.StopTransaction:
    sessions.session_stop(
        station_id=ctx.station_id,
        transaction_id=_transaction_id(transaction_id),
        meter_stop_wh=meter_stop,
        stopped_at=parse_time(timestamp, "timestamp"),
        received_at=ctx.received_at,
        # 1.6 StopTransaction.req: reason "MAY only be omitted when the Reason is Local".
        reason=reason or StopReason.local.value,
        id_tag=id_tag or "",
        samples=samples_from(transaction_data or []),
    )
    if not id_tag:
        return call_result.StopTransaction()
    authorization = token_authorization(id_tag=id_tag)
    # The token's own session has just ended, so a concurrent session is not a reason to refuse the stop.
    stop_status = (
        AuthorizationStatus.accepted
        if authorization.status == AuthorizationStatus.concurrent_tx
        else authorization.status
    )
    return call_result.StopTransaction(
        id_tag_info=id_tag_info(
            status=stop_status, expiry_date=authorization.expiry_date, parent_id_tag=authorization.parent_id_tag
        )
    )


def samples_from(meter_values: list) -> list[Sample]:
    """Flatten 1.6 MeterValue[] (each a timestamp with sampledValue[]) into samples."""
    samples = []
    for meter_value in meter_values:
        sampled_at = parse_time(meter_value["timestamp"], "meterValue/timestamp")
        for sampled in meter_value["sampled_value"]:
            samples.append(
                Sample(
                    sampled_at=sampled_at,
                    value=sampled["value"],
                    measurand=sampled.get("measurand") or "Energy.Active.Import.Register",
                    phase=sampled.get("phase") or "",
                    location=sampled.get("location") or "",
                    context=sampled.get("context") or "",
                    value_format=sampled.get("format") or "",
                    unit=sampled.get("unit") or _default_unit(sampled.get("measurand")),
                )
            )
    return samples


def _default_unit(measurand: str | None) -> str:
    # 1.6 §7.31: without a unit, energy is in Wh and power in W.
    measurand = measurand or "Energy.Active.Import.Register"
    if measurand.startswith("Energy.Active"):
        return "Wh"
    if measurand.startswith("Power.Active"):
        return "W"
    return ""
