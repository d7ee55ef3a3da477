"""Embedded mode's in-memory channel layer: expiry still happens, the sweep at most once
per interval instead of on every call."""

import asyncio
import time

from config.channel_layers import SweptInMemoryChannelLayer


def test_an_expired_group_membership_is_swept_once_the_interval_has_passed():
    async def scenario():
        layer = SweptInMemoryChannelLayer(group_expiry=60)
        channel = await layer.new_channel()
        await layer.group_add("station.1", channel)
        layer.groups["station.1"][channel] = time.time() - 120  # joined longer ago than the expiry
        layer.swept_at = time.monotonic()  # just swept: the next calls within the interval skip it
        await layer.group_send("station.1", {"type": "ocpp.announce"})
        kept_within_interval = channel in layer.groups["station.1"]
        layer.swept_at -= layer.sweep_interval
        await layer.group_send("station.1", {"type": "ocpp.announce"})
        return kept_within_interval, channel in layer.groups.get("station.1", {})

    kept_within_interval, kept_after = asyncio.run(scenario())
    assert kept_within_interval is True
    assert kept_after is False


def test_messages_still_reach_a_group_member():
    async def scenario():
        layer = SweptInMemoryChannelLayer()
        channel = await layer.new_channel()
        await layer.group_add("station.2", channel)
        for number in range(3):
            await layer.group_send("station.2", {"type": "outbox.wake", "n": number})
        return [await layer.receive(channel) for _ in range(3)]

    assert [message["n"] for message in asyncio.run(scenario())] == [0, 1, 2]
