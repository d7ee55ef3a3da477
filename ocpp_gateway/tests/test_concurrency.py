"""The gateway's bound on concurrent channel-layer calls, and the threads its database work runs on."""

import asyncio
import threading
import time

import pytest
from django.db import connection

from ocpp_gateway.concurrency import LoopSemaphore
from ocpp_gateway.consumers import in_thread


def test_no_more_than_the_bound_run_at_once_and_the_rest_wait_their_turn():
    slots = LoopSemaphore(lambda: 3)
    running, peak, finished = 0, 0, []

    async def call(number):
        nonlocal running, peak
        async with slots.get():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
        finished.append(number)

    async def storm():
        await asyncio.gather(*(call(n) for n in range(20)))

    asyncio.run(storm())
    assert peak == 3
    assert sorted(finished) == list(range(20))  # every call ran; none failed for want of a slot


def test_each_event_loop_gets_its_own_semaphore():
    slots = LoopSemaphore(lambda: 2)

    async def grab():
        return slots.get()

    first, second = asyncio.run(grab()), asyncio.run(grab())
    assert first is not second


def test_a_mass_disconnect_stays_within_the_redis_pool(settings):
    """The bound the consumers use is below the channel layer's pool size."""
    from ocpp_gateway.consumers import layer_slots

    async def size():
        return layer_slots.get()._value

    assert 0 < asyncio.run(size()) < settings.CHANNELS_REDIS_MAX_CONNECTIONS


@pytest.mark.redis
def test_leaving_groups_in_a_storm_larger_than_the_redis_pool_loses_none(settings):
    """Hundreds of sockets closing at once (a server restart, a network blip) all leave
    their station's group although the layer's pool holds far fewer connections: without
    the bound, redis-py fails the calls beyond the pool with MaxConnectionsError."""
    from channels_redis.core import RedisChannelLayer

    pool_size, sockets = 10, 300
    layer = RedisChannelLayer(
        hosts=[{"address": settings.REDIS_URL, "max_connections": pool_size}], prefix="test-storm"
    )
    slots = LoopSemaphore(lambda: pool_size * 3 // 4)

    async def storm():
        channels = [f"test-storm.socket!{n}" for n in range(sockets)]
        await asyncio.gather(*(layer.group_add(f"station.{n}", c) for n, c in enumerate(channels[:5])))

        async def leave(number, channel):
            async with slots.get():
                await layer.group_discard(f"station.{number % 5}", channel)

        results = await asyncio.gather(*(leave(n, c) for n, c in enumerate(channels)), return_exceptions=True)
        await layer.flush()
        return [r for r in results if isinstance(r, Exception)]

    assert asyncio.run(storm()) == []


@pytest.mark.django_db(transaction=True)
def test_database_work_shares_one_thread_on_sqlite_and_the_pool_on_postgresql():
    """SQLite has one writer: threads queueing for it sleep in its busy handler, so the
    gateway gives SQLite one thread; PostgreSQL gets the pool."""

    def hold_and_tell():
        time.sleep(0.05)  # long enough that a pool would start another thread for the next
        return threading.get_ident()

    async def at_once():
        return await asyncio.gather(*(in_thread(hold_and_tell)() for _ in range(4)))

    threads = set(asyncio.run(at_once()))
    if connection.vendor == "sqlite":
        assert len(threads) == 1
    else:
        assert len(threads) > 1
