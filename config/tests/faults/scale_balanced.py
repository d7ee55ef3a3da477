"""Three web processes (as on three hosts) behind HAProxy: chargers spread over them, a
command queued through the API of any process reaches the charger on whichever process
holds its socket, a charger that reconnects through another process gets what was queued
meanwhile, two sockets of one identity on two processes resolve to the newer exactly once,
and a browser on one process sees the live events of a charger on another."""

import asyncio
import time
from collections import Counter
from contextlib import suppress

import websockets
from ocpp.v16 import call

from config import fault_servers
from config.tests.faults.harness import (
    FleetCharger,
    all_answered_since,
    all_final,
    commands_outcome,
    connected_count,
    stations_create,
    until,
)
from config.tests.faults.web_processes import (
    api_command,
    connected_per_process,
    live_status_seen,
    staff_api_key,
    start_webs,
    stop_webs,
)
from ocpp_gateway.tests.charger import connected, in_db

CHARGERS = 12


async def run(servers, outage: float) -> dict:
    stations = await in_db(stations_create)(CHARGERS, "LB")
    webs = await start_webs(servers.log_dir, "lb", count=3)
    ports = [web.port for web in webs]
    balancer = fault_servers.PrivateHaproxy(ports)
    balancer.start()
    deliveries: Counter = Counter()
    fleet = {s.identity: FleetCharger(balancer.base_url(), s.identity, deliveries) for s in stations}
    key = await in_db(staff_api_key)()
    figures: dict = {"web_processes": len(webs)}
    try:
        for charger in fleet.values():
            charger.start()
        figures["seconds_to_connect_all"] = round(await all_answered_since(fleet, 0, 60), 2)
        figures["sockets_per_process"] = await asyncio.to_thread(connected_per_process, ports)

        # Each command through the API of a process chosen in turn, whatever holds the socket.
        for number, station in enumerate(stations):
            port = ports[number % len(ports)]
            await asyncio.to_thread(api_command, port, key, station.pk, f"api-{number}")
        await until(lambda: all(deliveries[(s.identity, f"api-{n}")] for n, s in enumerate(stations)), 30)

        # One charger goes away, a command is queued, it comes back through each process in turn.
        wanderer = stations[0]
        await fleet.pop(wanderer.identity).stop()
        for number, port in enumerate(ports):
            await asyncio.to_thread(api_command, ports[-1 - number], key, wanderer.pk, f"offline-{number}")
            direct = FleetCharger(f"http://127.0.0.1:{port}", wanderer.identity, deliveries)
            direct.start()
            await until(lambda n=number: deliveries[(wanderer.identity, f"offline-{n}")], 30)
            await direct.stop()
        fleet[wanderer.identity] = FleetCharger(balancer.base_url(), wanderer.identity, deliveries)
        fleet[wanderer.identity].start()

        figures.update(await _two_sockets_one_identity(ports, stations[1].identity, fleet, deliveries))
        figures.update(await _live_event_across_processes(ports, stations[2], fleet, deliveries))

        await all_answered_since(fleet, time.monotonic(), 30)
        await until(all_final, 30)
        figures["stations_connected_after"] = await in_db(connected_count)([s.pk for s in stations])
        figures.update(await in_db(commands_outcome)(deliveries, stations))
    finally:
        for charger in fleet.values():
            await charger.stop()
        await asyncio.sleep(1)  # the chargers' closing handshakes pass the balancer first
        balancer.destroy()
        await stop_webs(webs)
    figures["web_log_errors"] = sum(web.log_errors() for web in webs)
    return figures


async def _two_sockets_one_identity(ports: list[int], identity: str, fleet: dict, deliveries: Counter) -> dict:
    """The fleet's charger steps aside; two sockets of its identity open on two processes,
    the second a little later: the first is closed (4000) once, the second stays."""
    await fleet.pop(identity).stop()
    closes: list[int] = []
    async with connected(f"http://127.0.0.1:{ports[0]}", identity) as older:
        await older.boot()
        await asyncio.sleep(0.5)
        async with connected(f"http://127.0.0.1:{ports[1]}", identity) as newer:
            await newer.boot()
            with suppress(websockets.ConnectionClosed):
                await asyncio.wait_for(older._connection.wait_closed(), 10)
            closes.append(older._connection.close_code)
            await asyncio.sleep(1)
            newer_open = newer._connection.state.name == "OPEN"
            heartbeat_answered = await newer.call(call.Heartbeat()) is not None
    fleet[identity] = FleetCharger(f"http://127.0.0.1:{ports[2]}", identity, deliveries)
    fleet[identity].start()
    return {
        "duplicate_older_close_codes": closes,
        "duplicate_newer_stays_open": newer_open,
        "duplicate_newer_answered": heartbeat_answered,
    }


async def _live_event_across_processes(ports: list[int], station, fleet: dict, deliveries: Counter) -> dict:
    """A browser subscribed on the last process sees a status change sent by a charger on the first."""
    await fleet.pop(station.identity).stop()
    subscribed, seen = await live_status_seen(
        browser_port=ports[-1], charger_port=ports[0], station=station, timeout=10
    )
    fleet[station.identity] = FleetCharger(f"http://127.0.0.1:{ports[1]}", station.identity, deliveries)
    fleet[station.identity].start()
    return {"live_subscribed": subscribed, "live_event_across_processes": seen}
