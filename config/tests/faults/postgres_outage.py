"""PostgreSQL stops for `outage` seconds under a web process with chargers calling: each
CALL that stores something is answered with a CALLERROR within 2 s (so the charger retries), the gateway and the
API serve again within 5 s of the restart, nothing was acknowledged that was not stored,
and commands queued before the outage are delivered once after it."""

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
    stations = await in_db(stations_create)(3, "PG")
    by_name = dict(zip("ABC", stations, strict=True))
    port = live_servers.free_port()
    web_log = servers.log_dir / "postgres-uvicorn.log"
    web = live_servers.start_uvicorn(port=port, log_path=web_log, extra_env=web_env())
    base = f"http://127.0.0.1:{port}"
    deliveries: Counter = Counter()
    # Calls that store something: a Heartbeat needs no database and is answered through the
    # outage (docs/reliability.md).
    fleet = {
        name: FleetCharger(base, station.identity, deliveries, interval=0.5, storing=True)
        for name, station in by_name.items()
    }
    figures: dict = {}
    try:
        for name in "AB":
            fleet[name].start()
        await until(lambda: all(any(c.answered for c in fleet[n].calls) for n in "AB"), 30)
        await in_db(command_queue)(by_name["A"], "before-A")
        await until(lambda: deliveries[(by_name["A"].identity, "before-A")], 10)
        # C is offline: its command waits through the outage for its connection.
        await in_db(command_queue)(by_name["C"], "waiting-C")

        await asyncio.to_thread(servers.postgres.stop)
        outage_started = time.monotonic()
        api_statuses = Counter()
        while time.monotonic() - outage_started < outage:
            api_statuses[await asyncio.to_thread(http_status, f"{base}/api/v1/locations/")] += 1
            await asyncio.sleep(0.5)
        figures["readyz_during_outage"] = await asyncio.to_thread(http_status, f"{base}/readyz")
        await asyncio.to_thread(servers.postgres.start)
        outage_ended = time.monotonic()
        during = [c for n in "AB" for c in fleet[n].calls if outage_started + 1 <= c.sent_at < outage_ended - 1]

        api_back = await _first_ok(f"{base}/api/v1/locations/", 30)
        charger_back = await _first_answered(fleet["A"], outage_ended, 30)
        fleet["C"].start()
        await in_db(command_queue)(by_name["B"], "after-B")
        await until(lambda: _all_final(), 30)
        answered_ids = [c.message_id for n in "ABC" for c in fleet[n].calls if c.answered]
        # The message log's writer stores a frame a moment after its answer (and keeps what
        # the outage held up until the database is back): give it that moment.
        await until(lambda: _not_stored(answered_ids) == 0, 10)
        figures.update(
            outage_seconds=outage,
            charger_calls_during_outage=len(during),
            charger_calls_answered_during_outage=sum(c.answered for c in during),
            charger_calls_refused_during_outage=sum(c.error == "InternalError" for c in during),
            slowest_answer_during_outage_seconds=round(max((c.seconds for c in during), default=0), 2),
            sockets_dropped=sum(fleet[n].drops for n in "AB"),
            api_statuses_during_outage={str(k): v for k, v in api_statuses.items()},
            seconds_to_recover_api=round(api_back, 2),
            seconds_to_recover_gateway=round(charger_back, 2),
            acknowledged_not_stored=await in_db(_not_stored)(answered_ids),
            **await in_db(commands_outcome)(deliveries, stations),
        )
    finally:
        for charger in fleet.values():
            await charger.stop()
        await asyncio.to_thread(live_servers.stop, web)
    figures["web_log_errors"] = web_log.read_text(errors="replace").count(" ERROR ")
    return figures


async def _first_ok(url: str, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await asyncio.to_thread(http_status, url, 2) == 200:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return timeout


async def _first_answered(charger: FleetCharger, since: float, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        answered = [c.sent_at + c.seconds for c in charger.calls if c.answered and c.sent_at >= since]
        if answered:
            return min(answered) - since
        await asyncio.sleep(0.1)
    return timeout


def _all_final() -> bool:
    from stations.models import CommandRequest as Command

    return not Command.objects.filter(status__in=[Command.Status.PENDING, Command.Status.SENT]).exists()


def _not_stored(message_ids: list[str]) -> int:
    """CALLs the chargers got a CALLRESULT for, whose frame the database does not hold."""
    from ocpp_gateway.models import MessageLog

    stored = set(
        MessageLog.objects.filter(message_id__in=message_ids, direction=MessageLog.Direction.IN).values_list(
            "message_id", flat=True
        )
    )
    return len(set(message_ids) - stored)
