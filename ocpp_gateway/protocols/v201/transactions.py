"""OCPP 2.0.1 blocks E (transactions) and J (meter values), charger→CSMS:
TransactionEvent and MeterValues. The 2.0.1 shape only; the transaction's run of events
onto the domain's session is ocpp_gateway.transaction_events, the session rules are
stations.services.sessions (the same as 1.6's)."""

from decimal import Decimal

from ocpp.charge_point import snake_to_camel_case
from ocpp.v201.enums import Action

from drivers.selectors.sessions import session_token
from drivers.selectors.tokens import token_authorization
from ocpp_gateway import transaction_events
from ocpp_gateway.protocols.base import CallContext, parse_time
from ocpp_gateway.protocols.v201 import PROTOCOL
from ocpp_gateway.protocols.v201.availability import charging_state_record
from ocpp_gateway.protocols.v201.costs import cost_push_after_commit, running_cost_clock
from ocpp_gateway.protocols.v201.id_tokens import id_tag_of, id_token_info, info_of
from ocpp_gateway.transaction_events import Event, samples_from
from stations import prices
from stations.models import ChargingSession
from stations.selectors.evses import connector_number_for_evse
from stations.services import sessions


@PROTOCOL.on(Action.transaction_event)
def transaction_event(
    ctx: CallContext,
    *,
    event_type: str,
    timestamp: str,
    trigger_reason: str,
    seq_no: int,
    transaction_info: dict,
    evse: dict | None = None,
    id_token: dict | None = None,
    meter_value: list | None = None,
    offline: bool = False,
    reservation_id: int | None = None,
    **extra,
) -> dict:
    at = parse_time(timestamp, "timestamp")
    event = Event(
        transaction_id=transaction_info["transaction_id"],
        seq_no=seq_no,
        event_type=event_type,
        trigger_reason=trigger_reason,
        timestamp=at,
        evse_id=evse["id"] if evse else None,
        connector_id=evse.get("connector_id") if evse else None,
        id_tag=id_tag_of(id_token),
        id_token_type=(id_token or {}).get("type", ""),
        charging_state=transaction_info.get("charging_state") or "",
        stopped_reason=transaction_info.get("stopped_reason") or "",
        remote_start_id=transaction_info.get("remote_start_id"),
        reservation_id=reservation_id,
        offline=bool(offline),
        samples=samples_from(meter_value or []),
        payload=snake_to_camel_case(
            {
                "event_type": event_type,
                "timestamp": timestamp,
                "trigger_reason": trigger_reason,
                "seq_no": seq_no,
                "transaction_info": transaction_info,
                "evse": evse,
                "id_token": id_token,
                "meter_value": meter_value,
                "offline": offline,
                "reservation_id": reservation_id,
                **extra,
            }
        ),
    )
    outcome = transaction_events.event_apply(station_id=ctx.station_id, event=event, received_at=ctx.received_at)
    if event.charging_state and outcome.connector_number and not outcome.replayed:
        charging_state_record(
            ctx=ctx, connector_number=outcome.connector_number, charging_state=event.charging_state, at=at
        )
    cost = _running_cost(event, outcome.session)
    if cost is not None and not outcome.replayed and event.event_type != transaction_events.ENDED:
        cost_push_after_commit(session=outcome.session, total=cost)
    return _response(event, outcome.session, cost=cost, has_token=id_token is not None)


def _running_cost(event: Event, session: ChargingSession | None) -> Decimal | None:
    """The session's cost so far, incl. VAT, when this event should show it: always at its
    end, otherwise at most once per running-cost interval (ocpp_gateway/protocols/v201/costs.py)."""
    if session is None or session.status == ChargingSession.Status.REJECTED:
        return None
    ended = event.event_type == transaction_events.ENDED
    if not ended and not running_cost_clock.due(session_id=session.pk, at=event.timestamp):
        return None
    # The meter values just applied moved the session's totals in the database.
    session.refresh_from_db()
    cost = prices.session_cost(session=session)
    if ended:
        running_cost_clock.forget(session_id=session.pk)
    else:
        running_cost_clock.note(session_id=session.pk, at=event.timestamp)
    return cost.amount.quantize(Decimal("0.01")) if cost is not None else None


def _response(event: Event, session: ChargingSession | None, *, cost: Decimal | None, has_token: bool) -> dict:
    """idTokenInfo whenever the event carries a token (E01.FR.xx); the cost so far when it
    was worked out for this event (I02: the charger shows it to the driver)."""
    response: dict = {}
    if has_token:
        if event.id_token_type == transaction_events.NO_AUTHORIZATION and session is not None:
            # Free vend: the session's own answer (Accepted where the station allows it).
            response["idTokenInfo"] = id_token_info(status=session.auth_status)
        elif not event.id_tag:
            response["idTokenInfo"] = {"status": "Invalid"}
        elif session is not None and session.id_tag == event.id_tag:
            response["idTokenInfo"] = id_token_info(status=session.auth_status)
        else:
            authorization = token_authorization(id_tag=event.id_tag)
            info = info_of(authorization)
            if event.event_type == transaction_events.ENDED and authorization.status == "ConcurrentTx":
                # The token's own session has just ended; that is no reason to refuse the stop.
                info["status"] = "Accepted"
            response["idTokenInfo"] = info
    if cost is not None:
        response["totalCost"] = float(cost)
    shows_price = has_token and event.event_type != transaction_events.ENDED
    if shows_price and session is not None and session.status != ChargingSession.Status.REJECTED:
        price = _price_words(session)
        if price:
            # I01: the driver's own price, shown on the charger's display.
            response["updatedPersonalMessage"] = {"format": "UTF8", "content": price[:512]}
    return response


def _price_words(session: ChargingSession) -> str | None:
    connector = session.connector
    if connector is None or connector.station.site_id is None:
        return None
    token = session_token(session=session)
    driver = token.driver if token is not None else None
    return prices.connector_prices(connectors=[connector], driver=driver).get(connector.pk)


@PROTOCOL.on(Action.meter_values)
def meter_values(ctx: CallContext, *, evse_id: int, meter_value: list, **_) -> dict:
    """Meter values outside a transaction (the transaction's come in TransactionEvent)."""
    sessions.meter_values_record(
        station_id=ctx.station_id,
        connector_number=connector_number_for_evse(station_id=ctx.station_id, evse_id=evse_id),
        transaction_id=None,
        samples=samples_from(meter_value),
        received_at=ctx.received_at,
    )
    return {}
