"""The live sender sends only to groups someone listens to: it asks the channel layer
(Redis, or the in-memory layer of embedded mode) once per batch which groups have a
member, and an update to a group nobody follows costs no group_send."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, channel_layers
from django.db import transaction

from stations import live, live_sender
from stations.live_audience import groups_listened

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TIMEOUT = 5


def _groups(count: int) -> list[str]:
    run = uuid.uuid4().hex
    return [f"live.test.{run}.{number}" for number in range(count)]


@pytest.fixture(params=["redis", "in-memory"])
def layer(request):
    if request.param == "in-memory":
        return InMemoryChannelLayer()
    # A layer of its own: the process-wide one keeps receive state bound to one event loop.
    return channel_layers.make_backend("default")


async def test_only_groups_with_a_member_are_listened(layer):
    followed, other_followed, nobody = _groups(3)
    for group in (followed, other_followed):
        await layer.group_add(group, await layer.new_channel())

    assert await groups_listened(layer, {followed, other_followed, nobody}) == {followed, other_followed}


async def test_a_group_whose_last_listener_left_is_no_longer_listened(layer):
    (group,) = _groups(1)
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    await layer.group_discard(group, channel)

    assert await groups_listened(layer, {group}) == set()


async def test_the_sender_skips_groups_nobody_follows_and_delivers_to_the_rest(monkeypatch, layer):
    followed, nobody = _groups(2)
    channel = await layer.new_channel()
    await layer.group_add(followed, channel)
    sent_to = []
    real_group_send = layer.group_send

    async def recorded(group, message):
        sent_to.append(group)
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", recorded)
    monkeypatch.setattr(live, "get_channel_layer", lambda: layer)
    events = [{"kind": "session", "session_id": 1, "energy_wh": 100 * number} for number in range(3)]

    def committed() -> None:
        for event in events:
            with transaction.atomic():
                live.publish(groups=[nobody, followed], event=event)

    await asyncio.wait_for(sync_to_async(committed)(), TIMEOUT)
    await asyncio.wait_for(live_sender.drained(), TIMEOUT)

    assert sent_to == [followed] * 3
    assert [(await asyncio.wait_for(layer.receive(channel), TIMEOUT))["event"] for _ in events] == events
