"""The load generator reports its own event-loop stalls, so a slow generator cannot pass
for a slow server."""

import asyncio
import time

from bench.loadgen import LoopLag


async def test_loop_lag_reports_a_stall_of_the_generators_own_loop():
    lag = LoopLag()
    await asyncio.sleep(0.05)
    time.sleep(0.3)  # the loop is blocked, as by a long collection or a starved core
    await asyncio.sleep(0.05)
    stalled = lag.stop()
    assert stalled["max"] >= 250


async def test_loop_lag_of_an_idle_loop_is_far_below_a_stall():
    lag = LoopLag()
    await asyncio.sleep(0.2)
    assert lag.stop()["max"] < 250
