"""Delivery of charger command requests (stations.models.CommandRequest), version-neutral.

The consumer holding a station's socket claims one pending request at a time
(`command_claim_next`), translates it into its protocol's CALL, sends it, and records the
neutral outcome (`command_resolve`,
`command_time_out`); `commands_sweep` (Celery beat) expires commands that waited too long
for an offline station and times out calls whose connection died. Every final status
runs the protocol's result hook in the same transaction and is pushed live on commit."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ocpp_gateway import frames, message_log, metrics
from ocpp_gateway.models import MessageLog
from ocpp_gateway.protocols.base import OcppCallError, Protocol
from stations import live, signals
from stations.models import CommandRequest
from stations.services.status import send_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingCall:
    command_id: int
    message_id: str
    action: str
    text: str


def command_claim_next(
    *, protocol: Protocol, station_id: int, now: datetime, exclude_actions: frozenset[str] = frozenset()
) -> OutgoingCall | None:
    """Mark the oldest deliverable pending request `sent` and return its CALL frame, or
    None. Requests that become one of the protocol's `exclude_actions` stay pending.
    Row-locked with SKIP LOCKED, so two consumers never send the same request. A request
    the protocol cannot carry fails at once (NotSupported) and the next one is tried."""
    while True:
        claimed = _claim_one(protocol=protocol, station_id=station_id, now=now, exclude_actions=exclude_actions)
        if claimed is not False:
            return claimed


def _claim_one(
    *, protocol: Protocol, station_id: int, now: datetime, exclude_actions: frozenset[str]
) -> OutgoingCall | bool | None:
    held_back = [domain for domain, call in protocol.calls.items() if call in exclude_actions]
    with transaction.atomic():
        command = (
            CommandRequest.objects.select_for_update(skip_locked=True)
            .filter(station_id=station_id, status=CommandRequest.Status.PENDING, expires_at__gt=now)
            .exclude(Q(action__in=held_back) | Q(action=CommandRequest.Action.RAW, raw_action__in=exclude_actions))
            .order_by("created_at", "id")
            .first()
        )
        if command is None:
            return None
        try:
            action, payload = protocol.call_for(command)
        except OcppCallError as error:
            command.status = CommandRequest.Status.FAILED
            command.error_code = error.code
            command.error_description = error.description
            _finish(protocol, command)
            return False
        command.status = CommandRequest.Status.SENT
        command.sent_at = now
        command.save(update_fields=["status", "sent_at"])
        text = frames.call(command.message_id, action, payload)
        message_log.rows_keep(
            [
                message_log.entry(
                    station_id=station_id,
                    direction=MessageLog.Direction.OUT,
                    message_type=frames.CALL,
                    message_id=command.message_id,
                    action=action,
                    payload=payload,
                    at=now,
                )
            ]
        )
        _publish(command)
    return OutgoingCall(command_id=command.pk, message_id=command.message_id, action=action, text=text)


def command_unclaim(*, command_id: int) -> bool:
    """Return a claimed command whose frame never left the process to `pending` (the socket
    closed between the claim and the send). Compare-and-set from `sent`; returns whether
    this call moved it. Its message id is kept: the charger never saw it."""
    with transaction.atomic():
        updated = CommandRequest.objects.filter(pk=command_id, status=CommandRequest.Status.SENT).update(
            status=CommandRequest.Status.PENDING, sent_at=None
        )
        if updated:
            _publish(CommandRequest.objects.get(pk=command_id))
    return bool(updated)


def command_resolve(
    *,
    protocol: Protocol,
    station_id: int,
    frame: frames.Frame,
    received_at: datetime,
    refused: list[OcppCallError] | None = None,
) -> bool:
    """Record the charger's CALLRESULT/CALLERROR for our outstanding command. A response
    whose id matches no command awaiting one is logged and dropped (returns False). A
    CALLRESULT that breaks its schema fails the command, and its error is appended to
    `refused` (OCPP 2.1 answers it with a CALLRESULTERROR)."""
    with transaction.atomic():
        command = (
            CommandRequest.objects.select_for_update()
            .filter(station_id=station_id, message_id=frame.message_id, status=CommandRequest.Status.SENT)
            .first()
        )
        note = "" if command is not None else "no call awaiting a response with this id; dropped"
        action = _call_action(protocol, command)
        message_log.record_frame(
            station_id=station_id,
            direction=MessageLog.Direction.IN,
            frame=frame,
            action=action,
            note=note,
            at=received_at,
        )
        if command is None:
            logger.info("station %s: dropped response %s for no outstanding call", station_id, frame.message_id)
            return False
        command.responded_at = received_at
        if command.sent_at is not None:
            metrics.call_answered(action=action, seconds=(received_at - command.sent_at).total_seconds())
        response = None
        if frame.message_type == frames.CALLRESULT:
            response = frame.payload
            error = _apply_result(protocol, command, action, response)
            if error is not None and refused is not None:
                refused.append(error)
        else:
            command.status = CommandRequest.Status.FAILED
            command.error_code = frame.error_code[:64]
            command.error_description = frame.error_description
            command.result = frame.error_details or None
        _finish(protocol, command, response=response)
    return True


def _call_action(protocol: Protocol, command: CommandRequest | None) -> str:
    if command is None:
        return ""
    try:
        return protocol.call_for(command)[0]
    except OcppCallError:
        return ""


def _apply_result(protocol: Protocol, command: CommandRequest, action: str, payload: dict) -> OcppCallError | None:
    try:
        protocol.validate_result(action, payload)
    except OcppCallError as error:
        command.status = CommandRequest.Status.FAILED
        command.error_code = error.code
        command.error_description = f"Invalid response: {error.description}"
        command.result = payload
        return error
    command.result = protocol.result_of(payload)
    command.status = CommandRequest.Status.ACCEPTED if protocol.is_positive(payload) else CommandRequest.Status.REJECTED
    return None


def command_time_out(*, protocol: Protocol, command_id: int, reason: str) -> bool:
    """The charger did not answer in time (or the connection closed first). Compare-and-set
    from `sent`; returns whether this call moved it."""
    with transaction.atomic():
        command = (
            CommandRequest.objects.select_for_update().filter(pk=command_id, status=CommandRequest.Status.SENT).first()
        )
        if command is None:
            return False
        command.status = CommandRequest.Status.TIMED_OUT
        command.error_description = reason
        _finish(protocol, command)
    return True


def commands_abandon_in_flight(*, protocol: Protocol, station_id: int, reason: str) -> int:
    """Time out every command still `sent` for the station: its connection is gone, so no
    answer can come. (Not re-sent: the charger may have acted on it.)"""
    ids = list(
        CommandRequest.objects.filter(station_id=station_id, status=CommandRequest.Status.SENT).values_list(
            "pk", flat=True
        )
    )
    return sum(command_time_out(protocol=protocol, command_id=pk, reason=reason) for pk in ids)


def commands_sweep(*, now: datetime, protocol_for_station) -> tuple[int, int]:
    """Expire pending commands past their expiry and time out sent commands left without an
    answer well past OCPP_CALL_TIMEOUT (their connection died with the process holding it).
    Safe to run twice; returns (expired, timed_out)."""
    expired = 0
    for command_id in CommandRequest.objects.filter(
        status=CommandRequest.Status.PENDING, expires_at__lte=now
    ).values_list("pk", flat=True):
        expired += _expire(command_id=command_id, protocol_for_station=protocol_for_station)
    stale_before = now - timedelta(seconds=settings.OCPP_CALL_TIMEOUT * 2)
    timed_out = 0
    for command_id, ocpp_protocol in CommandRequest.objects.filter(
        status=CommandRequest.Status.SENT, sent_at__lt=stale_before
    ).values_list("pk", "station__ocpp_protocol"):
        timed_out += command_time_out(
            protocol=protocol_for_station(ocpp_protocol), command_id=command_id, reason="No response (connection lost)."
        )
    return expired, timed_out


def _expire(*, command_id: int, protocol_for_station) -> bool:
    with transaction.atomic():
        command = (
            CommandRequest.objects.select_for_update()
            .select_related("station")
            .filter(pk=command_id, status=CommandRequest.Status.PENDING)
            .first()
        )
        if command is None:
            return False
        command.status = CommandRequest.Status.EXPIRED
        command.error_description = "The station was not reachable before the command expired."
        _finish(protocol_for_station(command.station.ocpp_protocol), command)
    return True


def _finish(protocol: Protocol, command: CommandRequest, *, response: dict | None = None) -> None:
    command.save()
    try:
        action, call = protocol.call_for(command)
    except OcppCallError:
        action, call = "", {}
    hook = protocol.result_hooks.get(action)
    if hook is not None:
        try:
            with transaction.atomic():
                hook(command, call, response)
        except Exception:
            # The command's own outcome is recorded regardless; the side effect is logged.
            logger.exception("result hook for %s (command %s) failed", action, command.pk)
    _publish(command)
    send_on_commit(
        signals.command_finished,
        command_id=command.pk,
        station_id=command.station_id,
        action=command.action,
        status=command.status,
    )


def _publish(command: CommandRequest) -> None:
    live.publish(
        groups=[live.station_group(command.station_id), live.NETWORK_GROUP],
        event={
            "kind": "command",
            "command_id": command.pk,
            "station_id": command.station_id,
            "action": command.action_label,
            "status": command.status,
            "result": command.result,
        },
    )


def command_waiting(*, station_id: int, now: datetime) -> bool:
    """Whether the station has a pending command that has not expired (the partial index
    `command_pending` answers it)."""
    return CommandRequest.objects.filter(
        station_id=station_id, status=CommandRequest.Status.PENDING, expires_at__gt=now
    ).exists()


def stations_with_deliverable_commands(*, station_ids, now: datetime) -> set[int]:
    """Of `station_ids`, those with a pending command that has not expired (the partial
    index `command_pending` keeps this cheap however many commands are final)."""
    pending = CommandRequest.objects.filter(status=CommandRequest.Status.PENDING, expires_at__gt=now)
    return set(pending.values_list("station_id", flat=True).distinct()) & set(station_ids)
