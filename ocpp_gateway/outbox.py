"""Delivery of the command outbox (ocpp_gateway.models.Command), version-neutral.

The consumer holding a station's socket claims one pending command at a time
(`command_claim_next`), sends it, and records the outcome (`command_resolve`,
`command_time_out`); `commands_sweep` (Celery beat) expires commands that waited too long
for an offline station and times out calls whose connection died. Every final status
runs the protocol's result hook in the same transaction and is pushed live on commit."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from ocpp_gateway import frames, message_log, metrics
from ocpp_gateway.models import Command, MessageLog
from ocpp_gateway.protocols.base import OcppCallError, Protocol
from stations import live

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingCall:
    command_id: int
    message_id: str
    action: str
    text: str


def command_claim_next(
    *, station_id: int, now: datetime, exclude_actions: frozenset[str] = frozenset()
) -> OutgoingCall | None:
    """Mark the oldest deliverable pending command `sent` and return its CALL frame, or None.
    Commands of `exclude_actions` stay pending. Row-locked with SKIP LOCKED, so two
    consumers never send the same command."""
    with transaction.atomic():
        command = (
            Command.objects.select_for_update(skip_locked=True)
            .filter(station_id=station_id, status=Command.Status.PENDING, expires_at__gt=now)
            .exclude(action__in=exclude_actions)
            .order_by("created_at", "id")
            .first()
        )
        if command is None:
            return None
        command.status = Command.Status.SENT
        command.sent_at = now
        command.save(update_fields=["status", "sent_at"])
        text = frames.call(command.message_id, command.action, command.payload)
        message_log.record(
            station_id=station_id,
            direction=MessageLog.Direction.OUT,
            message_type=frames.CALL,
            message_id=command.message_id,
            action=command.action,
            payload=command.payload,
            at=now,
        )
        _publish(command)
    return OutgoingCall(command_id=command.pk, message_id=command.message_id, action=command.action, text=text)


def command_unclaim(*, command_id: int) -> bool:
    """Return a claimed command whose frame never left the process to `pending` (the socket
    closed between the claim and the send). Compare-and-set from `sent`; returns whether
    this call moved it. Its message id is kept: the charger never saw it."""
    with transaction.atomic():
        updated = Command.objects.filter(pk=command_id, status=Command.Status.SENT).update(
            status=Command.Status.PENDING, sent_at=None
        )
        if updated:
            _publish(Command.objects.get(pk=command_id))
    return bool(updated)


def command_resolve(*, protocol: Protocol, station_id: int, frame: frames.Frame, received_at: datetime) -> bool:
    """Record the charger's CALLRESULT/CALLERROR for our outstanding command. A response
    whose id matches no command awaiting one is logged and dropped (returns False)."""
    with transaction.atomic():
        command = (
            Command.objects.select_for_update()
            .filter(station_id=station_id, message_id=frame.message_id, status=Command.Status.SENT)
            .first()
        )
        note = "" if command is not None else "no call awaiting a response with this id; dropped"
        message_log.record_frame(
            station_id=station_id,
            direction=MessageLog.Direction.IN,
            frame=frame,
            action=command.action if command else "",
            note=note,
            at=received_at,
        )
        if command is None:
            logger.info("station %s: dropped response %s for no outstanding call", station_id, frame.message_id)
            return False
        command.responded_at = received_at
        if command.sent_at is not None:
            metrics.call_answered(action=command.action, seconds=(received_at - command.sent_at).total_seconds())
        if frame.message_type == frames.CALLRESULT:
            _apply_result(protocol, command, frame.payload)
        else:
            command.status = Command.Status.FAILED
            command.error_code = frame.error_code[:64]
            command.error_description = frame.error_description
            command.response = frame.error_details or None
        _finish(protocol, command)
    return True


def _apply_result(protocol: Protocol, command: Command, payload: dict) -> None:
    command.response = payload
    try:
        protocol.validate_result(command.action, payload)
    except OcppCallError as error:
        command.status = Command.Status.FAILED
        command.error_code = error.code
        command.error_description = f"Invalid response: {error.description}"
        return
    command.status = Command.Status.ACCEPTED if protocol.is_positive(payload) else Command.Status.REJECTED


def command_time_out(*, protocol: Protocol, command_id: int, reason: str) -> bool:
    """The charger did not answer in time (or the connection closed first). Compare-and-set
    from `sent`; returns whether this call moved it."""
    with transaction.atomic():
        command = Command.objects.select_for_update().filter(pk=command_id, status=Command.Status.SENT).first()
        if command is None:
            return False
        command.status = Command.Status.TIMED_OUT
        command.error_description = reason
        _finish(protocol, command)
    return True


def commands_abandon_in_flight(*, protocol: Protocol, station_id: int, reason: str) -> int:
    """Time out every command still `sent` for the station: its connection is gone, so no
    answer can come. (Not re-sent: the charger may have acted on it.)"""
    ids = list(Command.objects.filter(station_id=station_id, status=Command.Status.SENT).values_list("pk", flat=True))
    return sum(command_time_out(protocol=protocol, command_id=pk, reason=reason) for pk in ids)


def commands_sweep(*, now: datetime, protocol_for_station) -> tuple[int, int]:
    """Expire pending commands past their expiry and time out sent commands left without an
    answer well past OCPP_CALL_TIMEOUT (their connection died with the process holding it).
    Safe to run twice; returns (expired, timed_out)."""
    expired = 0
    for command_id in Command.objects.filter(status=Command.Status.PENDING, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        expired += _expire(command_id=command_id, protocol_for_station=protocol_for_station)
    stale_before = now - timedelta(seconds=settings.OCPP_CALL_TIMEOUT * 2)
    timed_out = 0
    for command_id, ocpp_protocol in Command.objects.filter(
        status=Command.Status.SENT, sent_at__lt=stale_before
    ).values_list("pk", "station__ocpp_protocol"):
        timed_out += command_time_out(
            protocol=protocol_for_station(ocpp_protocol), command_id=command_id, reason="No response (connection lost)."
        )
    return expired, timed_out


def _expire(*, command_id: int, protocol_for_station) -> bool:
    with transaction.atomic():
        command = (
            Command.objects.select_for_update()
            .select_related("station")
            .filter(pk=command_id, status=Command.Status.PENDING)
            .first()
        )
        if command is None:
            return False
        command.status = Command.Status.EXPIRED
        command.error_description = "The station was not reachable before the command expired."
        _finish(protocol_for_station(command.station.ocpp_protocol), command)
    return True


def _finish(protocol: Protocol, command: Command) -> None:
    command.save()
    hook = protocol.result_hooks.get(command.action)
    if hook is not None:
        try:
            with transaction.atomic():
                hook(command)
        except Exception:
            # The command's own outcome is recorded regardless; the side effect is logged.
            logger.exception("result hook for %s (command %s) failed", command.action, command.pk)
    _publish(command)


def _publish(command: Command) -> None:
    live.publish(
        groups=[live.station_group(command.station_id), live.NETWORK_GROUP],
        event={
            "kind": "command",
            "command_id": command.pk,
            "station_id": command.station_id,
            "action": command.action,
            "status": command.status,
            "response": command.response,
        },
    )


def stations_with_deliverable_commands(*, station_ids, now: datetime) -> set[int]:
    """Of `station_ids`, those with a pending command that has not expired (the partial
    index `outbox_pending` keeps this cheap however many commands are final)."""
    pending = Command.objects.filter(status=Command.Status.PENDING, expires_at__gt=now)
    return set(pending.values_list("station_id", flat=True).distinct()) & set(station_ids)
