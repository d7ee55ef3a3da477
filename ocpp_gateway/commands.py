"""The gateway's part of command requests.

`request_validate` is registered with stations at start-up: a request is queued only if
the station's protocol can carry it (a translation exists and the resulting CALL passes
the version's JSON schema). `raw_send` is the staff escape hatch (admin form,
`manage.py ocpp_send`): a frame typed by hand, sent as given, except that the frames a
domain rule owns go through that rule: starts and stops through the charge rule (so a raw
RemoteStartTransaction is refused exactly as the portal's Start button would be), ReserveNow
and CancelReservation through the reservation services (so the Reservation row stays true)."""

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from ocpp.charge_point import camel_to_snake_case

from drivers.models import Reservation
from drivers.selectors.tokens import token_by_id_tag
from drivers.services import reservations
from drivers.services.charging import charge_start
from ocpp_gateway import protocols
from ocpp_gateway.protocols.base import OcppCallError
from stations.models import ChargingSession, ChargingStation, CommandRequest
from stations.services.charging import ChargeRefused, Refusal, charge_stop
from stations.services.commands import CommandError, command_request

# The largest id a database row can have (bigint): a bigger transactionId names no session.
MAX_ROW_ID = 2**63 - 1


# Frames a domain rule owns: sent raw they would start, stop or reserve behind the rule's
# back. `raw_send` hands them to their rule; any other way of queueing one is refused.
RULED_FRAMES = {
    "RemoteStartTransaction": "the charge rule",
    "RemoteStopTransaction": "the charge rule",
    "RequestStartTransaction": "the charge rule",
    "RequestStopTransaction": "the charge rule",
    "ReserveNow": "the reservation service",
}


def request_validate(request: CommandRequest) -> None:
    """Raises CommandError unless the (unsaved) request becomes a valid CSMS→charger call
    of its station's protocol, and is not a raw frame that a domain rule owns."""
    if request.action == CommandRequest.Action.RAW:
        _raw_frame_check(request)
    station_protocol = protocols.for_station(request.station.ocpp_protocol)
    if request.action == CommandRequest.Action.RAW and request.raw_protocol != station_protocol.subprotocol:
        raise CommandError(f"{request.station} speaks {station_protocol.subprotocol}, not {request.raw_protocol}.")
    try:
        action, payload = station_protocol.call_for(request)
    except OcppCallError as error:
        raise CommandError(error.description) from error
    if action not in station_protocol.csms_actions:
        raise CommandError(f"{action!r} is not a command {station_protocol.subprotocol} can send to a station.")
    try:
        station_protocol.validate_call(action, payload)
    except OcppCallError as error:
        raise CommandError(f"Invalid {action} payload: {error.description}") from error


def _raw_frame_check(request: CommandRequest) -> None:
    rule = RULED_FRAMES.get(request.raw_action)
    if request.raw_action == "CancelReservation":
        # Only an id we never issued may go as typed; ours are cancelled by their service.
        reservation_id = _row_id((request.parameters or {}).get("reservationId"))
        ours = Reservation.objects.filter(pk=reservation_id, station=request.station).exists()
        rule = "the reservation service" if reservation_id is not None and ours else None
    if rule:
        raise CommandError(
            f"A raw {request.raw_action} goes through {rule}: use its own endpoint, the admin form or ocpp_send."
        )


def raw_send(
    *,
    station: ChargingStation,
    action: str,
    payload: dict,
    requested_by=None,
    source: str = CommandRequest.Source.SYSTEM,
    ttl_seconds: int | None = None,
) -> CommandRequest:
    """Queue the frame `action` with `payload` as given. RemoteStartTransaction and
    RemoteStopTransaction go through the charge rule (`charge_start`, `charge_stop`);
    ReserveNow and CancelReservation through the reservation services, so the Reservation
    row exists and follows the charger's answer. Raises CommandError, ValidationError or
    ChargeRefused; nothing is queued then."""
    if not isinstance(payload, dict):
        raise CommandError("The payload must be a JSON object.")
    if action == "RemoteStartTransaction":
        return _start(station=station, payload=payload, requested_by=requested_by, source=source)
    if action == "RemoteStopTransaction":
        return _stop(station=station, payload=payload, requested_by=requested_by, source=source)
    if action == "ReserveNow":
        return _reserve(station=station, payload=payload, requested_by=requested_by, source=source)
    if action == "CancelReservation":
        reservation = Reservation.objects.filter(pk=_row_id(payload.get("reservationId")), station=station).first()
        # A reservation of ours is cancelled only by its service, which refuses one that
        # has ended; an id we never issued changes no row, so it goes as typed.
        if reservation is not None:
            reservations.reservation_cancel(reservation=reservation, requested_by=requested_by, source=source)
            return _latest(station, CommandRequest.Action.CANCEL_RESERVATION, reservation.pk)
    return command_request(
        station=station,
        action=CommandRequest.Action.RAW,
        raw_action=action,
        parameters=payload,
        requested_by=requested_by,
        source=source,
        ttl_seconds=ttl_seconds,
    )


def _start(*, station: ChargingStation, payload: dict, requested_by, source: str) -> CommandRequest:
    connector_number = payload.get("connectorId")
    if not isinstance(connector_number, int) or isinstance(connector_number, bool) or connector_number < 1:
        # The rule starts on a named connector; "any connector" (none given) is the charger's choice.
        raise ValidationError("connectorId: name the connector to start on (1 or more).")
    profile = payload.get("chargingProfile")
    return charge_start(
        station=station,
        connector_number=connector_number,
        id_tag=str(payload.get("idTag", "")),
        requested_by=requested_by,
        source=source,
        charging_profile=camel_to_snake_case(profile) if isinstance(profile, dict) else None,
    )


def _stop(*, station: ChargingStation, payload: dict, requested_by, source: str) -> CommandRequest:
    session = ChargingSession.objects.filter(station=station, pk=_row_id(payload.get("transactionId"))).first()
    if session is None:
        raise ChargeRefused(Refusal.SESSION_UNKNOWN)
    return charge_stop(session=session, requested_by=requested_by, source=source)


def _row_id(value) -> int | None:
    """`value` if it can be a row's primary key, else None (never a database error)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None


def _reserve(*, station: ChargingStation, payload: dict, requested_by, source: str) -> CommandRequest:
    token = token_by_id_tag(id_tag=str(payload.get("idTag", "")))
    if token is None:
        raise ValidationError("No token with this idTag.")
    expires_at = parse_datetime(str(payload.get("expiryDate", "")))
    if expires_at is None:
        raise ValidationError("expiryDate must be a date-time.")
    reservation = reservations.reservation_request(
        token=token,
        station=station,
        connector_number=payload.get("connectorId", 0),
        expires_at=expires_at,
        requested_by=requested_by,
        source=source,
    )
    return _latest(station, CommandRequest.Action.RESERVE, reservation.pk)


def _latest(station: ChargingStation, action: str, reservation_id: int) -> CommandRequest:
    return CommandRequest.objects.filter(station=station, action=action, parameters__reservation=reservation_id).latest(
        "id"
    )
