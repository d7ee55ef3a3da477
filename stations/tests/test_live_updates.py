"""Live updates leave a worker thread without waiting for the channel layer: after commit,
a sync_to_async thread hands them to its event loop's sender (in order, bounded), and
anywhere without a running loop they are sent before the commit returns. Through the real
Redis channel layer."""

import asyncio
import logging
import uuid

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.layers import channel_layers
from django.db import transaction

from stations import live, live_sender

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TIMEOUT = 5


class HeldLayer:
    """The real layer, but every group_send waits until the test releases it."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.release = asyncio.Event()
        self.started: list[dict] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.started.append(message["event"])
        await self.release.wait()
        await self.layer.group_send(group, message)


class RecordingLayer:
    """The real layer, noting each group_send once Redis has taken it."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.sent: list[dict] = []

    async def group_send(self, group: str, message: dict) -> None:
        await self.layer.group_send(group, message)
        self.sent.append(message["event"])


def committed_publish(group: str, events: list[dict]) -> None:
    """What a service does: publish each event in its own transaction."""
    for event in events:
        with transaction.atomic():
            live.publish(groups=[group], event=event)


async def listening(layer, group: str) -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def received(layer, channel: str, count: int) -> list[dict]:
    return [(await asyncio.wait_for(layer.receive(channel), TIMEOUT))["event"] for _ in range(count)]


async def until(predicate) -> None:
    async with asyncio.timeout(TIMEOUT):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest.fixture
def group() -> str:
    return f"live.test.{uuid.uuid4().hex}"


@pytest.fixture
def redis_layer():
    # A layer of its own: the process-wide one keeps receive state bound to one event loop.
    return channel_layers.make_backend("default")


async def test_worker_thread_commit_returns_before_the_layer_has_sent(monkeypatch, group, redis_layer):
    held = HeldLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: held)
    channel = await listening(redis_layer, group)
    event = {"kind": "session", "session_id": 1, "energy_wh": 1500}

    def publish_and_see_before_commit() -> list[dict]:
        with transaction.atomic():
            live.publish(groups=[group], event=event)
            return list(held.started)

    before_commit = await asyncio.wait_for(sync_to_async(publish_and_see_before_commit)(), TIMEOUT)
    await until(lambda: held.started)  # the loop's sender is now inside the held group_send
    held.release.set()

    assert before_commit == []
    assert await received(redis_layer, channel, 1) == [event]


async def test_worker_thread_updates_arrive_in_the_order_committed(monkeypatch, group, redis_layer):
    held = HeldLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: held)
    channel = await listening(redis_layer, group)
    events = [{"kind": "session", "session_id": 1, "energy_wh": 100 * number} for number in range(20)]

    await asyncio.wait_for(sync_to_async(committed_publish)(group, events), TIMEOUT)
    held.release.set()
    await asyncio.wait_for(live_sender.drained(), TIMEOUT)

    assert [event["energy_wh"] for event in held.started] == [event["energy_wh"] for event in events]
    assert await received(redis_layer, channel, len(events)) == events


async def test_full_queue_drops_with_a_warning_instead_of_blocking(monkeypatch, caplog, group, redis_layer):
    monkeypatch.setattr(live_sender, "QUEUE_LIMIT", 2)
    held = HeldLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: held)
    channel = await listening(redis_layer, group)
    events = [{"kind": "session", "session_id": 1, "energy_wh": number} for number in range(5)]

    await asyncio.wait_for(sync_to_async(committed_publish)(group, events[:1]), TIMEOUT)
    await until(lambda: held.started)  # the first is being sent, out of the queue
    sender = live_sender._senders[asyncio.get_running_loop()]
    with caplog.at_level(logging.WARNING, logger="stations.live_sender"):
        await asyncio.wait_for(sync_to_async(committed_publish)(group, events[1:]), TIMEOUT)
        await until(lambda: sender.dropped == 2)
    held.release.set()

    assert await received(redis_layer, channel, 3) == events[:3]
    # Both drops counted, the warning logged once for the burst.
    assert [record.getMessage() for record in caplog.records] == [
        "live session update dropped: 2 updates already wait for the channel layer"
        " (1 dropped in this process; logged at most every 10 s)",
    ]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(redis_layer.receive(channel), 0.5)


class FailingOnceLayer:
    """The real layer, but its first group_send fails as an unreachable Redis would."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.failed = False

    async def group_send(self, group: str, message: dict) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Redis is unreachable")
        await self.layer.group_send(group, message)


async def test_a_failing_layer_is_logged_and_later_updates_still_go_out(monkeypatch, caplog, group, redis_layer):
    failing_once = FailingOnceLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: failing_once)
    channel = await listening(redis_layer, group)
    events = [{"kind": "session", "session_id": 1, "energy_wh": number} for number in range(2)]

    with caplog.at_level(logging.WARNING, logger="stations.live_sender"):
        await asyncio.wait_for(sync_to_async(committed_publish)(group, events), TIMEOUT)
        assert await received(redis_layer, channel, 1) == events[1:]

    assert [record.getMessage() for record in caplog.records] == [
        "live session update not sent (ConnectionError: Redis is unreachable)"
    ]


def test_without_a_running_loop_the_update_is_sent_before_commit_returns(monkeypatch, group, redis_layer):
    recording = RecordingLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: recording)
    channel = async_to_sync(listening)(redis_layer, group)
    event = {"kind": "connector_status", "station_id": 1, "status": "Charging"}

    committed_publish(group, [event])

    assert recording.sent == [event]
    assert async_to_sync(received)(redis_layer, channel, 1) == [event]


def test_a_thread_whose_loop_has_ended_sends_before_commit_returns(monkeypatch, group, redis_layer):
    recording = RecordingLayer(redis_layer)
    monkeypatch.setattr(live, "get_channel_layer", lambda: recording)
    channel = async_to_sync(listening)(redis_layer, group)
    # A thread-sensitive sync_to_async under async_to_sync runs in this very thread and
    # leaves asgiref's thread-local pointing at a loop that is closed once it returns.
    async_to_sync(sync_to_async(lambda: None))()
    assert SyncToAsync.threadlocal.main_event_loop.is_closed()
    event = {"kind": "connector_status", "station_id": 1, "status": "Faulted"}

    committed_publish(group, [event])

    assert recording.sent == [event]
    assert async_to_sync(received)(redis_layer, channel, 1) == [event]
