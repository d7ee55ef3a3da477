"""Redis high availability: a web process and a Celery worker on Redis Sentinel (a primary,
a replica, three Sentinels). The primary is killed under charger traffic: the gateway keeps
answering chargers throughout, the Sentinels promote the replica, and after the failover
commands queued before, during and after are each delivered once, live events reach a
browser again and a Celery task round-trips through the new master."""

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter

from config import fault_servers, live_servers
from config.tests.faults.harness import (
    FleetCharger,
    all_answered_since,
    all_final,
    commands_outcome,
    start_worker,
    stations_create,
    until,
)
from config.tests.faults.web_processes import api_command, live_status_seen, staff_api_key, start_webs, stop_webs
from ocpp_gateway.tests.charger import in_db

CHARGERS = 4


async def run(servers, outage: float) -> dict:
    redis = fault_servers.SentinelRedis()
    await asyncio.to_thread(redis.start)
    env = {"REDIS_URL": redis.url(), "REDIS_SENTINELS": redis.sentinels_env(), "CHANNELS_PREFIX": "evcms-sentinel"}
    stations = await in_db(stations_create)(CHARGERS + 1, "SENT")
    fleet_stations, watched = stations[:CHARGERS], stations[CHARGERS]
    webs = await start_webs(servers.log_dir, "sentinel", count=1, **env)
    port = webs[0].port
    worker = await asyncio.to_thread(start_worker, servers.log_dir / "sentinel-worker.log", **env)
    deliveries: Counter = Counter()
    fleet = {s.identity: FleetCharger(f"http://127.0.0.1:{port}", s.identity, deliveries) for s in fleet_stations}
    key = await in_db(staff_api_key)()
    figures: dict = {}
    try:
        for charger in fleet.values():
            charger.start()
        await all_answered_since(fleet, 0, 60)
        for station in fleet_stations:
            await asyncio.to_thread(api_command, port, key, station.pk, "before")
        await until(lambda: all(deliveries[(s.identity, "before")] for s in fleet_stations), 20)
        figures["celery_task_before"] = await asyncio.to_thread(_task_round_trip, env)

        killed = time.monotonic()
        redis.primary.stop()  # SIGKILL: the primary is gone
        queued_during = 0
        while time.monotonic() - killed < max(outage, 6):
            if queued_during < 3 and time.monotonic() - killed > 1 + 2 * queued_during:
                await asyncio.to_thread(api_command, port, key, fleet_stations[queued_during].pk, "during")
                queued_during += 1
            await asyncio.sleep(0.2)
        new_master, figures["failover_seconds"] = await _failover(redis, killed)
        figures["replica_promoted"] = new_master == redis.replica.port
        window_end = time.monotonic()
        answered = sum(charger.answered_between(killed, window_end)[0] for charger in fleet.values())
        calls = sum(charger.answered_between(killed, window_end)[1] for charger in fleet.values())
        figures["charger_calls_during_failover"] = calls
        figures["charger_calls_answered_during_failover"] = answered
        figures["sockets_dropped"] = sum(charger.drops for charger in fleet.values())

        for station in fleet_stations:
            await asyncio.to_thread(api_command, port, key, station.pk, "after")
        _, figures["live_event_after_failover"] = await live_status_seen(
            browser_port=port, charger_port=port, station=watched, timeout=15
        )
        figures["celery_task_after"] = await asyncio.to_thread(_task_round_trip, env)
        await until(all_final, 30)
        figures.update(await in_db(commands_outcome)(deliveries, fleet_stations))
    finally:
        for charger in fleet.values():
            await charger.stop()
        await stop_webs(webs)
        worker.terminate()
        await asyncio.to_thread(worker.wait, 20)
        redis.destroy()
    figures["web_log_errors"] = webs[0].log_errors()
    return figures


async def _failover(redis, killed: float) -> tuple[int | None, float | None]:
    deadline = killed + 30
    while time.monotonic() < deadline:
        master = await asyncio.to_thread(redis.master_port)
        if master is not None and master != redis.primary.port:
            return master, round(time.monotonic() - killed, 2)
        await asyncio.sleep(0.2)
    return None, None


def _task_round_trip(env: dict) -> bool:
    """A task sent through the broker, run by the worker, its result read from the backend,
    all via the Sentinels, from a process of its own (as the web process would send it)."""
    script = (
        "import django; django.setup(); from config.celery import app; "
        "print(app.send_task('stations.tasks.detect_offline_stations').get(timeout=30))"
    )
    server_env = live_servers.server_env(application_name=live_servers.new_application_name("sentinel-client"))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=live_servers.BASE_DIR,
        env={
            **server_env,
            **env,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode == 0
