"""The web process stopped under connected chargers: on SIGTERM it exits within a bound,
after `kill -9` its chargers reconnect to the restarted process; commands queued while
it was down are delivered once, and the stations end up recorded as connected."""

import asyncio
import signal
import time
from collections import Counter

from config import live_servers
from config.tests.faults.harness import (
    FleetCharger,
    command_queue,
    commands_outcome,
    stations_create,
    until,
    wait_exit,
    web_env,
)
from config.tests.faults.harness import all_answered_since as _all_answered_since
from config.tests.faults.harness import all_final as _all_final
from config.tests.faults.harness import connected_count as _connected_count
from ocpp_gateway.tests.charger import in_db

SIGTERM_BOUND_SECONDS = 10


async def run(servers, outage: float) -> dict:
    stations = await in_db(stations_create)(3, "WEB")
    by_name = dict(zip("ABC", stations, strict=True))
    port = live_servers.free_port()
    log = servers.log_dir / "web-uvicorn.log"
    base = f"http://127.0.0.1:{port}"
    deliveries: Counter = Counter()
    fleet = {name: FleetCharger(base, s.identity, deliveries) for name, s in by_name.items()}
    figures: dict = {}
    web = await asyncio.to_thread(live_servers.start_uvicorn, port=port, log_path=log, extra_env=web_env())
    try:
        for charger in fleet.values():
            charger.start()
        await _all_answered_since(fleet, 0, 30)
        await in_db(command_queue)(by_name["A"], "before-A")
        await until(lambda: deliveries[(by_name["A"].identity, "before-A")], 10)

        stopping = time.monotonic()
        web.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(wait_exit, web, 30)
        figures["sigterm_exit_seconds"] = round(time.monotonic() - stopping, 2) if exited else None
        if not exited:
            web.kill()
            web.wait()
        await in_db(command_queue)(by_name["B"], "down-B")
        web = await asyncio.to_thread(live_servers.start_uvicorn, port=port, log_path=log, extra_env=web_env())
        restarted = time.monotonic()
        figures["seconds_to_reconnect_after_sigterm"] = round(await _all_answered_since(fleet, restarted, 30), 2)
        # Delivered and answered before the kill: a command in flight when its process dies
        # is timed out on purpose (the charger may have acted on it), which is not this test.
        await until(lambda: deliveries[(by_name["B"].identity, "down-B")] and _all_final(), 30)

        web.kill()  # SIGKILL: no goodbye to anyone
        web.wait()
        killed = time.monotonic()
        await in_db(command_queue)(by_name["C"], "down-C")
        await asyncio.sleep(min(outage, 5))
        web = await asyncio.to_thread(live_servers.start_uvicorn, port=port, log_path=log, extra_env=web_env())
        restarted = time.monotonic()
        figures["seconds_down_after_kill"] = round(restarted - killed, 1)
        figures["seconds_to_reconnect_after_kill"] = round(await _all_answered_since(fleet, restarted, 30), 2)
        await until(_all_final, 30)
        figures["stations_connected_after"] = await in_db(_connected_count)([s.pk for s in stations])
        figures.update(await in_db(commands_outcome)(deliveries, stations))
    finally:
        for charger in fleet.values():
            await charger.stop()
        await asyncio.to_thread(live_servers.stop, web)
    text = log.read_text(errors="replace")
    figures["web_log_errors"] = text.count(" ERROR ") + text.count("ERROR:")
    return figures
