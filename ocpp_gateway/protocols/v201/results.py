"""What the outcome of an OCPP 2.0.1 CSMS→charger command changes, for the commands whose
answer carries state: `hook(request, call, response)` in the transaction that records
the request's final status (see protocols/v16/results.py)."""

from django.utils import timezone
from ocpp.charge_point import camel_to_snake_case
from ocpp.v201.enums import Action

from drivers.services import reservations
from ocpp_gateway import device_model, state
from ocpp_gateway.protocols.v201 import PROTOCOL
from stations.models import CommandRequest


def _answered(request: CommandRequest) -> bool:
    return request.status in (CommandRequest.Status.ACCEPTED, CommandRequest.Status.REJECTED)


def _at(request: CommandRequest):
    return request.responded_at or timezone.now()


@PROTOCOL.on_result(Action.get_variables)
def get_variables(request: CommandRequest, call: dict, response: dict | None) -> None:
    if not _answered(request) or response is None:
        return
    for result in camel_to_snake_case(response.get("getVariableResult", [])):
        if result["attribute_status"] == "Accepted":
            device_model.value_confirm(
                station_id=request.station_id,
                component=result["component"],
                variable=result["variable"],
                attribute_type=result.get("attribute_type"),
                value=result.get("attribute_value"),
                at=_at(request),
            )


@PROTOCOL.on_result(Action.set_variables)
def set_variables(request: CommandRequest, call: dict, response: dict | None) -> None:
    if not _answered(request) or response is None:
        return
    asked = camel_to_snake_case(call["setVariableData"])
    for result in camel_to_snake_case(response.get("setVariableResult", [])):
        if result["attribute_status"] not in ("Accepted", "RebootRequired"):
            continue
        data = next(
            (d for d in asked if (d["component"], d["variable"]) == (result["component"], result["variable"])), None
        )
        if data is not None:
            device_model.value_confirm(
                station_id=request.station_id,
                component=result["component"],
                variable=result["variable"],
                attribute_type=result.get("attribute_type"),
                value=data["attribute_value"],
                at=_at(request),
            )


@PROTOCOL.on_result(Action.send_local_list)
def send_local_list(request: CommandRequest, call: dict, response: dict | None) -> None:
    if request.status == CommandRequest.Status.ACCEPTED:
        state.local_list_version_set(station_id=request.station_id, version=call["versionNumber"], at=_at(request))


@PROTOCOL.on_result(Action.get_local_list_version)
def get_local_list_version(request: CommandRequest, call: dict, response: dict | None) -> None:
    if _answered(request) and response is not None:
        state.local_list_version_set(station_id=request.station_id, version=response["versionNumber"], at=_at(request))


@PROTOCOL.on_result(Action.reserve_now)
def reserve_now(request: CommandRequest, call: dict, response: dict | None) -> None:
    reservations.reservation_record_answer(
        reservation_id=call["id"],
        station_id=request.station_id,
        accepted=request.status == CommandRequest.Status.ACCEPTED,
        delivered=_answered(request),
        charger_status=(response or {}).get("status", "") or request.get_status_display(),
    )


@PROTOCOL.on_result(Action.cancel_reservation)
def cancel_reservation(request: CommandRequest, call: dict, response: dict | None) -> None:
    reservations.reservation_record_cancellation(
        reservation_id=call["reservationId"],
        station_id=request.station_id,
        cancelled=request.status == CommandRequest.Status.ACCEPTED,
    )
