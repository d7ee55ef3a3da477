"""The public door to the charger: `send()` queues a command from any process.

The row is the truth; the channel-layer message only wakes the consumer that holds the
station's socket (it also looks at the outbox on connect, so a lost wake-up delays a
command, never loses it)."""

from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ocpp_gateway.models import Command
from stations.models import ChargingStation


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

    Delivery happens after the surrounding transaction commits. Raises ValueError for an
    action the station's protocol does not define."""
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


def wake_station(*, station_id: int) -> None:
    channel_layer = get_channel_layer()
    if channel_layer is not None:
        async_to_sync(channel_layer.group_send)(station_group(station_id), {"type": "outbox.wake"})
