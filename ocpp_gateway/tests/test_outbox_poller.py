"""The process-wide outbox poll: one query for all local sockets, and only stations with a
deliverable command get pumped."""

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from ocpp_gateway import commands, outbox
from ocpp_gateway.outbox_poller import OutboxPoller
from stations.models import CommandRequest
from stations.tests.factories import ChargingStationFactory


@pytest.mark.django_db
def test_stations_with_deliverable_commands_skips_final_expired_and_foreign_stations():
    with_pending, with_expired, with_sent, elsewhere, idle = ChargingStationFactory.create_batch(5)
    commands.raw_send(station=with_pending, action="ClearCache", payload={})
    expired = commands.raw_send(station=with_expired, action="ClearCache", payload={})
    CommandRequest.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    sent = commands.raw_send(station=with_sent, action="ClearCache", payload={})
    CommandRequest.objects.filter(pk=sent.pk).update(status=CommandRequest.Status.SENT)
    commands.raw_send(station=elsewhere, action="ClearCache", payload={})  # connected to another process

    local = [with_pending.pk, with_expired.pk, with_sent.pk, idle.pk]
    due = outbox.stations_with_deliverable_commands(station_ids=local, now=timezone.now())

    assert due == {with_pending.pk}


class FakeConsumer:
    def __init__(self) -> None:
        self.pumps = 0

    def spawn_outbox_pump(self) -> None:
        self.pumps += 1


def test_one_query_per_poll_pumps_only_due_local_consumers():
    queries = []

    async def query(*, station_ids, now):
        queries.append(sorted(station_ids))
        return {1, 3}  # 3 is due but held by no socket here

    async def scenario():
        poller = OutboxPoller(query)
        due, idle, replaced, replacing = FakeConsumer(), FakeConsumer(), FakeConsumer(), FakeConsumer()
        poller.add(1, due)
        poller.add(2, idle)
        poller.add(4, replaced)
        poller.add(4, replacing)
        poller.remove(4, replaced)
        poller.remove(4, replacing)
        pumped = await poller.poll_once()
        poller.remove(1, due)
        poller.remove(2, idle)
        nothing_left = await poller.poll_once()
        return pumped, due.pumps, idle.pumps, nothing_left

    pumped, due_pumps, idle_pumps, nothing_left = asyncio.run(scenario())

    assert queries == [[1, 2]]  # one query for every local station; none once all left
    assert (pumped, due_pumps, idle_pumps, nothing_left) == (1, 1, 0, 0)


def test_a_failing_poll_is_logged_and_the_next_one_runs(settings, caplog):
    settings.OCPP_OUTBOX_POLL_SECONDS = 0
    calls = []

    async def query(*, station_ids, now):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return set(station_ids)

    async def scenario():
        poller = OutboxPoller(query)
        consumer = FakeConsumer()
        poller.add(7, consumer)
        while consumer.pumps == 0:
            await asyncio.sleep(0.01)
        return consumer.pumps

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5)) >= 1
    assert "outbox poll failed" in caplog.text
