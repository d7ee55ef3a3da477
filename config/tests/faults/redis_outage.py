"""Redis stops for `outage` seconds (and comes back empty) under a web process with
chargers connected: calls keep being answered, commands queued before, during and after
are each delivered once, a charger that leaves during the outage is recorded offline and
never has a command claimed for it, the API keeps serving what needs no Redis."""

import asyncio
import time
from collections import Counter

from config import live_servers
from config.tests.faults.harness import (
    FleetCharger,
    command_queue,
    commands_outcome,
    http_status,
    stations_create,
    until,
    web_env,
)
from ocpp_gateway.tests.charger import in_db


async def run(servers, outage: float) -> dict:
    from stations.models import ChargingStation

    stations = await in_db(stations_create)(5, "REDIS")
    by_name = dict(zip("ABCDE", stations, strict=True))
    port = live_servers.free_port()
    web_log = servers.log_dir / "redis-uvicorn.log"
    web = live_servers.start_uvicorn(port=port, log_path=web_log, extra_env=web_env())
    base = f"http://127.0.0.1:{port}"
    deliveries: Counter = Counter()
    fleet = {name: FleetCharger(base, station.identity, deliveries) for name, station in by_name.items()}
    figures: dict = {}
    try:
        for name in "ABC":
            fleet[name].start()
        await _booted(fleet, "ABC")
        for name in "AC":
            await in_db(command_queue)(by_name[name], f"before-{name}")
        await until(lambda: deliveries[(by_name["A"].identity, "before-A")], 10)

        api_ok = api_tries = 0
        servers.redis.stop()
        outage_started = time.monotonic()
        steps = {
            0.5: lambda: in_db(command_queue)(by_name["A"], "during-A"),
            1.0: lambda: _start(fleet["D"]),
            outage / 3: lambda: fleet["B"].stop(),
            outage / 3 + 0.5: lambda: in_db(command_queue)(by_name["B"], "during-B"),
            outage / 2: lambda: in_db(command_queue)(by_name["C"], "during-C"),
            outage / 2 + 0.1: lambda: in_db(command_queue)(by_name["D"], "during-D"),
        }
        while (elapsed := time.monotonic() - outage_started) < outage:
            for at in [at for at in steps if at <= elapsed]:
                await steps.pop(at)()
            status = await asyncio.to_thread(http_status, f"{base}/api/v1/locations/")
            api_tries += 1
            api_ok += status == 200
            await asyncio.sleep(0.5)
        for step in steps.values():
            await step()
        b_offline = not await in_db(lambda: ChargingStation.objects.get(pk=by_name["B"].pk).is_connected)()
        figures["readyz_during_outage"] = await asyncio.to_thread(http_status, f"{base}/readyz")
        figures["healthz_during_outage"] = await asyncio.to_thread(http_status, f"{base}/healthz")
        servers.redis.start()
        outage_ended = time.monotonic()

        answered = sent = 0
        for name in "ACD":
            a, s = fleet[name].answered_between(outage_started, outage_ended)
            answered, sent = answered + a, sent + s
        await in_db(command_queue)(by_name["A"], "after-A")
        _, after_seconds = await until(lambda: deliveries[(by_name["A"].identity, "after-A")], 30)
        fleet["E"].start()
        _, connect_seconds = await until(lambda: any(c.answered for c in fleet["E"].calls), 30)
        fleet["B"].start()
        await in_db(command_queue)(by_name["E"], "after-E")
        await until(lambda: _all_final(), 30)
        connected_now = await in_db(_connected_flags)([s.pk for s in stations])
        figures.update(
            outage_seconds=outage,
            charger_calls_during_outage=sent,
            charger_calls_answered_during_outage=answered,
            sockets_dropped=sum(fleet[name].drops for name in "ACD"),
            api_requests_during_outage=api_tries,
            api_ok_during_outage=api_ok,
            disconnect_recorded_during_outage=b_offline,
            stations_connected_after=sum(connected_now),
            # Until a command queued after the restart is delivered and a new charger is answered.
            seconds_to_recover=round(max(after_seconds, connect_seconds), 2),
            **await in_db(commands_outcome)(deliveries, stations),
        )
    finally:
        for charger in fleet.values():
            await charger.stop()
        await asyncio.to_thread(live_servers.stop, web)
    figures["web_log_errors"] = web_log.read_text(errors="replace").count(" ERROR ")
    return figures


async def _start(charger: FleetCharger) -> None:
    charger.start()


async def _booted(fleet: dict, names: str) -> None:
    def ready():
        return all(fleet[name].connects and any(c.answered for c in fleet[name].calls) for name in names)

    deadline = time.monotonic() + 30
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError("chargers did not boot")
        await asyncio.sleep(0.1)


def _all_final() -> bool:
    from stations.models import CommandRequest as Command

    return not Command.objects.filter(status__in=[Command.Status.PENDING, Command.Status.SENT]).exists()


def _connected_flags(pks: list[int]) -> list[bool]:
    from stations.models import ChargingStation

    return list(ChargingStation.objects.filter(pk__in=pks).values_list("is_connected", flat=True))
