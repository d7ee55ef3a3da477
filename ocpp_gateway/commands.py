"""The public door to the charger: `send()` queues a command from any process.

The row is the truth; the channel-layer message only wakes the consumer that holds the
station's socket (it also looks at the outbox on connect, so a lost wake-up delays a
command, never loses it)."""

import logging
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ocpp_gateway.models import Command
from stations.models import ChargingStation

logger = logging.getLogger(__name__)


class CommandError(ValueError):
    """The command cannot be queued: unknown action, or a payload that fails the schema."""


def station_group(station_id: int) -> str:
    """Channel-layer group of the consumer that holds this station's socket."""
    return f"ocpp.station.{station_id}"


def send(
    *,
    station: ChargingStation,
    action: str,
    payload: dict,
    requested_by=None,
    source: str = Command.Source.SYSTEM,
    ttl_seconds: int | None = None,
) -> Command:
    """Queue `action` with `payload` for `station` and return the pending command.

    Delivery happens after the surrounding transaction commits. Raises CommandError (a
    ValueError) for an action the station's protocol does not send, or a payload that
    fails that action's OCPP schema; nothing is queued then."""
    command_validate(station=station, action=action, payload=payload)
    payload = _times_formatted(station=station, action=action, payload=payload)
    ttl = ttl_seconds if ttl_seconds is not None else settings.OCPP_COMMAND_TTL_SECONDS
    command = Command.objects.create(
        station=station,
        action=action,
        payload=payload,
        requested_by=requested_by,
        source=source,
        expires_at=timezone.now() + timedelta(seconds=ttl),
    )
    transaction.on_commit(lambda: wake_station(station_id=station.pk))
    return command


def command_validate(*, station: ChargingStation, action: str, payload: dict) -> None:
    """Raises CommandError unless `action` with `payload` is a valid CSMS→charger call for
    the station's OCPP version."""
    from ocpp_gateway import protocols
    from ocpp_gateway.protocols.base import OcppCallError

    protocol = protocols.for_station(station.ocpp_protocol)
    if action not in protocol.csms_actions:
        raise CommandError(f"{action!r} is not a command {protocol.subprotocol} can send to a station.")
    if not isinstance(payload, dict):
        raise CommandError("The payload must be a JSON object.")
    try:
        protocol.validate_call(action, payload)
    except OcppCallError as error:
        raise CommandError(f"Invalid {action} payload: {error.description}") from error


def _times_formatted(*, station: ChargingStation, action: str, payload: dict) -> dict:
    # Callers write datetimes as they like (isoformat() gives `+00:00` and microseconds);
    # the charger gets the gateway's one form.
    from ocpp_gateway import protocols

    return protocols.for_station(station.ocpp_protocol).call_times_formatted(action, payload)


def wake_station(*, station_id: int) -> None:
    """Best effort: when the channel layer is down, the outbox poll of the process holding
    the socket delivers the command instead, so queueing never fails for it."""
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    try:
        async_to_sync(channel_layer.group_send)(station_group(station_id), {"type": "outbox.wake"})
    except Exception as error:
        logger.warning(
            "station %s: wake-up not sent (%s: %s); the outbox poll delivers", station_id, type(error).__name__, error
        )
