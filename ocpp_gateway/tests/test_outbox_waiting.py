"""A connection learns whether a command waits for its station when it is recorded, so a
charger with none costs no outbox claim after its boot; a wake-up or the poller's finding
since then still gets the outbox claimed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ocpp_gateway import commands, exchange, protocols
from ocpp_gateway.consumers import OcppConsumer
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory

OCPP16 = protocols.OCPP16


@pytest.mark.django_db
def test_the_connection_record_tells_whether_a_deliverable_command_waits():
    station = ChargingStationFactory()
    now = timezone.now()
    assert exchange.connection_open(protocol=OCPP16, station_id=station.pk, at=now).command_waiting is False

    stale = commands.raw_send(station=station, action="ClearCache", payload={})
    CommandRequest.objects.filter(pk=stale.pk).update(expires_at=now - timedelta(seconds=1))
    later = now + timedelta(seconds=1)
    opened = exchange.connection_open(protocol=OCPP16, station_id=station.pk, at=later)
    assert (opened.current, opened.command_waiting) == (True, False)

    commands.raw_send(station=station, action="Reset", payload={"type": "Soft"})
    opened = exchange.connection_open(protocol=OCPP16, station_id=station.pk, at=later + timedelta(seconds=1))
    assert (opened.current, opened.command_waiting) == (True, True)


@pytest.mark.django_db
def test_an_older_connection_is_not_current_but_still_learns_of_a_waiting_command():
    station = ChargingStationFactory()
    now = timezone.now()
    exchange.connection_open(protocol=OCPP16, station_id=station.pk, at=now)
    commands.raw_send(station=station, action="Reset", payload={"type": "Soft"})
    opened = exchange.connection_open(protocol=OCPP16, station_id=station.pk, at=now - timedelta(seconds=5))
    assert (opened.current, opened.command_waiting) == (False, True)


class Pumps(OcppConsumer):
    def __init__(self, *, command_waiting: bool) -> None:
        super().__init__()
        self.command_waiting = command_waiting
        self.outbox_open = False
        self.boot_wait_handle = None
        self.pumped = 0

    async def _pump_outbox(self) -> None:
        self.pumped += 1


async def test_opening_the_outbox_claims_only_when_a_command_may_wait():
    idle = Pumps(command_waiting=False)
    await idle._open_outbox()
    assert (idle.outbox_open, idle.pumped) == (True, 0)

    waiting = Pumps(command_waiting=True)
    await waiting._open_outbox()
    assert waiting.pumped == 1


async def test_a_wake_up_before_the_boot_gets_the_outbox_claimed_after_it():
    consumer = Pumps(command_waiting=False)
    await consumer.outbox_wake({"type": "outbox.wake"})
    assert consumer.command_waiting is True
    await consumer._open_outbox()
    assert consumer.pumped == 2  # the wake's own try (the outbox was still shut) and the boot's
