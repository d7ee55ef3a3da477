"""What the outcome of a CSMS→charger command changes, for the commands whose answer
carries state. Each hook runs in the transaction that records the request's final status
(answered, failed, timed out or expired) as `hook(request, call, response)`: `call` is the
1.6 payload that was (or would have been) sent, `response` the charger's CALLRESULT
payload when it answered, else None."""

from django.utils import timezone
from ocpp.v16.enums import Action

from drivers.services import reservations
from ocpp_gateway import state
from ocpp_gateway.protocols.v16 import PROTOCOL
from stations.models import CommandRequest


def _answered(request: CommandRequest) -> bool:
    return request.status in (CommandRequest.Status.ACCEPTED, CommandRequest.Status.REJECTED)


@PROTOCOL.on_result(Action.get_configuration)
def get_configuration(request: CommandRequest, call: dict, response: dict | None) -> None:
    if not _answered(request) or response is None:
        return
    state.configuration_keys_store(
        station_id=request.station_id,
        keys=response.get("configurationKey", []),
        unknown=response.get("unknownKey", []),
        at=request.responded_at or timezone.now(),
    )


@PROTOCOL.on_result(Action.change_configuration)
def change_configuration(request: CommandRequest, call: dict, response: dict | None) -> None:
    if request.status == CommandRequest.Status.ACCEPTED:
        state.configuration_key_set(
            station_id=request.station_id,
            key=call["key"],
            value=call["value"],
            at=request.responded_at or timezone.now(),
        )


@PROTOCOL.on_result(Action.send_local_list)
def send_local_list(request: CommandRequest, call: dict, response: dict | None) -> None:
    if request.status == CommandRequest.Status.ACCEPTED:
        state.local_list_version_set(
            station_id=request.station_id, version=call["listVersion"], at=request.responded_at or timezone.now()
        )


@PROTOCOL.on_result(Action.get_local_list_version)
def get_local_list_version(request: CommandRequest, call: dict, response: dict | None) -> None:
    if _answered(request) and response is not None:
        state.local_list_version_set(
            station_id=request.station_id, version=response["listVersion"], at=request.responded_at or timezone.now()
        )


@PROTOCOL.on_result(Action.reserve_now)
def reserve_now(request: CommandRequest, call: dict, response: dict | None) -> None:
    charger_status = (response or {}).get("status", "")
    reservations.reservation_record_answer(
        reservation_id=call["reservationId"],
        station_id=request.station_id,
        accepted=request.status == CommandRequest.Status.ACCEPTED,
        delivered=_answered(request),
        charger_status=charger_status or request.get_status_display(),
    )


@PROTOCOL.on_result(Action.cancel_reservation)
def cancel_reservation(request: CommandRequest, call: dict, response: dict | None) -> None:
    reservations.reservation_record_cancellation(
        reservation_id=call["reservationId"],
        station_id=request.station_id,
        cancelled=request.status == CommandRequest.Status.ACCEPTED,
    )
