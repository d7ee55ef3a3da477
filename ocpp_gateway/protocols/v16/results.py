"""What the outcome of a CSMS→charger command changes, for the commands whose answer
carries state. Each hook runs in the transaction that records the command's final status
(answered, failed, timed out or expired) and reads `command.response` only when the
charger answered."""

from django.utils import timezone
from ocpp.v16.enums import Action

from drivers.services import reservations
from ocpp_gateway import state
from ocpp_gateway.models import Command
from ocpp_gateway.protocols.v16 import PROTOCOL


def _answered(command: Command) -> bool:
    return command.status in (Command.Status.ACCEPTED, Command.Status.REJECTED)


@PROTOCOL.on_result(Action.get_configuration)
def get_configuration(command: Command) -> None:
    if not _answered(command):
        return
    state.configuration_keys_store(
        station_id=command.station_id,
        keys=command.response.get("configurationKey", []),
        unknown=command.response.get("unknownKey", []),
        at=command.responded_at or timezone.now(),
    )


@PROTOCOL.on_result(Action.change_configuration)
def change_configuration(command: Command) -> None:
    if command.status == Command.Status.ACCEPTED:
        state.configuration_key_set(
            station_id=command.station_id,
            key=command.payload["key"],
            value=command.payload["value"],
            at=command.responded_at or timezone.now(),
        )


@PROTOCOL.on_result(Action.send_local_list)
def send_local_list(command: Command) -> None:
    if command.status == Command.Status.ACCEPTED:
        state.local_list_version_set(
            station_id=command.station_id,
            version=command.payload["listVersion"],
            at=command.responded_at or timezone.now(),
        )


@PROTOCOL.on_result(Action.get_local_list_version)
def get_local_list_version(command: Command) -> None:
    if _answered(command):
        state.local_list_version_set(
            station_id=command.station_id,
            version=command.response["listVersion"],
            at=command.responded_at or timezone.now(),
        )


@PROTOCOL.on_result(Action.reserve_now)
def reserve_now(command: Command) -> None:
    charger_status = (command.response or {}).get("status", "")
    reservations.reservation_record_answer(
        reservation_id=command.payload["reservationId"],
        station_id=command.station_id,
        accepted=command.status == Command.Status.ACCEPTED,
        delivered=_answered(command),
        charger_status=charger_status or command.get_status_display(),
    )


@PROTOCOL.on_result(Action.cancel_reservation)
def cancel_reservation(command: Command) -> None:
    reservations.reservation_record_cancellation(
        reservation_id=command.payload["reservationId"],
        station_id=command.station_id,
        cancelled=command.status == Command.Status.ACCEPTED,
    )
