"""Analytics read from a PostgreSQL streaming replica (DATABASE_REPLICA_URL) while the rest
reads the primary: with the replica's replay paused, a station added on the primary is
missing from the analytics but present in the station list; once replay resumes, the
analytics catch up. A token made on the primary authenticates on both."""

import asyncio
import json
import time
from urllib.request import Request, urlopen

from config import fault_servers
from config.tests.faults.harness import stations_create
from config.tests.faults.web_processes import staff_api_key, start_webs, stop_webs
from ocpp_gateway.tests.charger import in_db


async def run(servers, outage: float) -> dict:
    await in_db(stations_create)(3, "REPL")
    replica = await asyncio.to_thread(fault_servers.PrivatePostgres, replica_of=servers.postgres)
    await asyncio.to_thread(replica.start)
    webs = await start_webs(servers.log_dir, "replica", count=1, DATABASE_REPLICA_URL=replica.url("evcms"))
    port = webs[0].port
    figures: dict = {}
    try:
        # The token is newer than the replica's copy may be: authentication reads the primary.
        key = await in_db(staff_api_key)()
        total = figures["primary_stations_before"] = await in_db(_station_count)()
        await _until(lambda: _analytics_stations(port, key) == total, 30)
        figures["analytics_before"] = await asyncio.to_thread(_analytics_stations, port, key)
        await asyncio.to_thread(replica.sql, "evcms", "SELECT pg_wal_replay_pause()")
        await in_db(stations_create)(2, "LATE")
        figures["primary_stations"] = await in_db(_station_count)()
        figures["station_list_while_paused"] = await asyncio.to_thread(_station_list_count, port, key)
        figures["analytics_while_paused"] = await asyncio.to_thread(_analytics_stations, port, key)
        resumed = time.monotonic()
        await asyncio.to_thread(replica.sql, "evcms", "SELECT pg_wal_replay_resume()")
        caught_up = await _until(lambda: _analytics_stations(port, key) == figures["primary_stations"], 30)
        figures["analytics_caught_up_seconds"] = round(time.monotonic() - resumed, 2) if caught_up else None
    finally:
        await stop_webs(webs)
        await asyncio.to_thread(replica.destroy)
    figures["web_log_errors"] = webs[0].log_errors()
    return figures


async def _until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if await asyncio.to_thread(predicate):
                return True
        except Exception:  # noqa: S110 - not ready yet; retried until the deadline
            pass
        await asyncio.sleep(0.2)
    return False


def _station_count() -> int:
    from stations.models import ChargingStation

    return ChargingStation.objects.count()


def _get(port: int, key: str, path: str) -> dict:
    request = Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {key}"})
    with urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _analytics_stations(port: int, key: str) -> int:
    return _get(port, key, "/api/v1/analytics/")["station_count"]


def _station_list_count(port: int, key: str) -> int:
    return _get(port, key, "/api/v1/stations/?page_size=1")["count"]
