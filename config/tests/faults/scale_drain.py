"""A rolling deploy's step: one of three web processes behind HAProxy gets SIGTERM while
chargers call and commands are queued through the API. It stops accepting, closes its
charger sockets in batches over the drain window (1012, "service restart"), and exits;
its chargers reconnect through the load balancer to the other two, spread over the
window rather than all in one second; every command is delivered exactly once."""

import asyncio
import random
import signal
import time
from collections import Counter

from config import fault_servers
from config.tests.faults.harness import (
    FleetCharger,
    all_answered_since,
    all_final,
    commands_outcome,
    connected_count,
    stations_create,
    until,
    wait_exit,
)
from config.tests.faults.web_processes import api_command, connected_per_process, staff_api_key, start_webs, stop_webs
from ocpp_gateway.tests.charger import in_db

CHARGERS = 30
DRAIN_WINDOW_SECONDS = 4
DRAIN_BATCH_SIZE = 3


async def run(servers, outage: float) -> dict:
    stations = await in_db(stations_create)(CHARGERS, "DRAIN")
    webs = await start_webs(
        servers.log_dir,
        "drain",
        count=3,
        OCPP_DRAIN_WINDOW_SECONDS=str(DRAIN_WINDOW_SECONDS),
        OCPP_DRAIN_BATCH_SIZE=str(DRAIN_BATCH_SIZE),
    )
    ports = [web.port for web in webs]
    balancer = fault_servers.PrivateHaproxy(ports)
    balancer.start()
    deliveries: Counter = Counter()
    fleet = {s.identity: FleetCharger(balancer.base_url(), s.identity, deliveries) for s in stations}
    key = await in_db(staff_api_key)()
    figures: dict = {"drain_window_seconds": DRAIN_WINDOW_SECONDS, "drain_batch_size": DRAIN_BATCH_SIZE}
    sending = True
    queued = 0

    async def queue_commands() -> None:
        # Through the processes that stay up, as the API behind the same balancer would be.
        nonlocal queued
        while sending:
            station = random.choice(stations)
            await asyncio.to_thread(api_command, random.choice(ports[1:]), key, station.pk, f"drain-{queued}")
            queued += 1
            await asyncio.sleep(0.2)

    try:
        for charger in fleet.values():
            charger.start()
        await all_answered_since(fleet, 0, 60)
        before = await asyncio.to_thread(connected_per_process, ports)
        figures["sockets_per_process_before"] = before
        figures["sockets_drained"] = before[0]
        traffic = asyncio.get_running_loop().create_task(queue_commands())
        await asyncio.sleep(1)

        drops_before = {identity: len(charger.drop_times) for identity, charger in fleet.items()}
        stopping = time.monotonic()
        webs[0].process.send_signal(signal.SIGTERM)
        exited = await asyncio.to_thread(wait_exit, webs[0].process, 60)
        figures["sigterm_exit_seconds"] = round(time.monotonic() - stopping, 2) if exited else None
        figures["seconds_until_all_answering_again"] = round(await all_answered_since(fleet, time.monotonic(), 30), 2)
        dropped = [
            charger.drop_times[drops_before[identity]]
            for identity, charger in fleet.items()
            if len(charger.drop_times) > drops_before[identity]
        ]
        figures["chargers_reconnected"] = len(dropped)
        figures["reconnects_spread_seconds"] = round(max(dropped) - min(dropped), 2) if dropped else 0
        figures["sockets_per_process_after"] = await asyncio.to_thread(connected_per_process, ports[1:])

        sending = False
        await traffic
        await until(all_final, 30)
        figures["stations_connected_after"] = await in_db(connected_count)([s.pk for s in stations])
        figures.update(await in_db(commands_outcome)(deliveries, stations))
    finally:
        sending = False
        for charger in fleet.values():
            await charger.stop()
        await asyncio.sleep(1)  # the chargers' closing handshakes pass the balancer first
        balancer.destroy()
        await stop_webs(webs)
    figures["web_log_errors"] = sum(web.log_errors() for web in webs)
    figures["drained_process_log_errors"] = webs[0].log_errors()
    figures["drain_logged"] = "drained " in webs[0].log_path.read_text(errors="replace")
    return figures
