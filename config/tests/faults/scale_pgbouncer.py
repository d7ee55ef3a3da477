"""PostgreSQL behind PgBouncer in transaction pooling mode (DB_TRANSACTION_POOLER=true): a
web process and a Celery worker whose connections outnumber PgBouncer's server
connections, chargers calling, commands through the API, and a whole priced transaction
(start, meter values, stop, CDR by the worker): everything works when consecutive
transactions of one client land on different server connections."""

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from ocpp.v16 import call

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
from config.tests.faults.web_processes import api_command, staff_api_key, start_webs, stop_webs
from ocpp_gateway.tests.charger import connected, in_db

CHARGERS = 5
SERVER_CONNECTIONS = 4


async def run(servers, outage: float) -> dict:
    bouncer = fault_servers.PrivatePgbouncer(
        postgres_port=servers.postgres.port, databases=["evcms"], pool_size=SERVER_CONNECTIONS
    )
    await asyncio.to_thread(bouncer.start)
    env = {
        "DATABASE_URL": bouncer.url("evcms", application_name=live_servers.new_application_name("pgbouncer-client")),
        "DB_TRANSACTION_POOLER": "true",
        "DB_POOL_MAX_SIZE": "8",
    }
    stations = await in_db(stations_create)(CHARGERS + 1, "BOUNCE")
    fleet_stations, metered = stations[:CHARGERS], stations[CHARGERS]
    token_uid = await in_db(_priced_station)(metered)
    webs = await start_webs(servers.log_dir, "pgbouncer", count=1, **env)
    port = webs[0].port
    worker = await asyncio.to_thread(start_worker, servers.log_dir / "pgbouncer-worker.log", **env)
    deliveries: Counter = Counter()
    fleet = {s.identity: FleetCharger(f"http://127.0.0.1:{port}", s.identity, deliveries) for s in fleet_stations}
    key = await in_db(staff_api_key)()
    figures: dict = {"pool_mode": _config_value(bouncer.show("CONFIG"), "pool_mode")}
    try:
        for charger in fleet.values():
            charger.start()
        figures["seconds_to_connect_all"] = round(await all_answered_since(fleet, 0, 60), 2)
        for round_number in range(2):
            for station in fleet_stations:
                await asyncio.to_thread(api_command, port, key, station.pk, f"bounce-{round_number}")
        figures.update(await _priced_transaction(port, metered.identity, token_uid))
        cdr, _ = await until(lambda: _cdr_total(metered.pk), 30)
        figures["cdr_total"] = str(cdr) if cdr else None
        await until(all_final, 30)
        since = time.monotonic()
        await all_answered_since(fleet, since, 10)
        calls = [c for charger in fleet.values() for c in charger.calls]
        figures["charger_calls"] = len(calls)
        figures["charger_calls_answered"] = sum(c.answered for c in calls)
        figures.update(await in_db(commands_outcome)(deliveries, fleet_stations))
        figures["client_connections"] = _connections(bouncer.show("CLIENTS"))
        figures["server_connections"] = _connections(bouncer.show("SERVERS"))
    finally:
        for charger in fleet.values():
            await charger.stop()
        await stop_webs(webs)
        worker.terminate()
        await asyncio.to_thread(worker.wait, 20)
        bouncer.destroy()
    figures["web_log_errors"] = webs[0].log_errors()
    return figures


def _priced_station(station) -> str:
    from billing.tests.factories import energy_tariff
    from drivers.tests.factories import TokenFactory

    energy_tariff(station=station, price="0.50", vat="19")
    return TokenFactory().uid


async def _priced_transaction(port: int, identity: str, uid: str) -> dict:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    async with connected(f"http://127.0.0.1:{port}", identity) as charger:
        await charger.boot()
        started = await charger.call(
            call.StartTransaction(connector_id=1, id_tag=uid, meter_start=1000, timestamp=start.isoformat())
        )
        sample = {
            "timestamp": (start + timedelta(minutes=10)).isoformat(),
            "sampledValue": [{"value": "5000", "unit": "Wh", "measurand": "Energy.Active.Import.Register"}],
        }
        await charger.call(
            call.MeterValues(connector_id=1, transaction_id=started.transaction_id, meter_value=[sample])
        )
        stopped = await charger.call(
            call.StopTransaction(
                meter_stop=11000,
                timestamp=(start + timedelta(minutes=20)).isoformat(),
                transaction_id=started.transaction_id,
                id_tag=uid,
                reason="EVDisconnected",
            )
        )
    return {
        "transaction_started": started.id_tag_info["status"],
        "transaction_stopped": stopped.id_tag_info["status"] if stopped.id_tag_info else None,
    }


def _cdr_total(station_id: int):
    from billing.models import ChargeDetailRecord

    cdr = ChargeDetailRecord.objects.filter(session__connector__station_id=station_id).first()
    return cdr.total_incl_vat if cdr else None


def _config_value(text: str, key: str) -> str | None:
    for line in text.splitlines():
        fields = line.split("|")
        if fields and fields[0] == key:
            return fields[1]
    return None


def _connections(listing: str) -> int:
    """Rows of SHOW CLIENTS / SHOW SERVERS (type|user|database|…) for the scenario's database."""
    return sum(1 for line in listing.splitlines() if line.split("|")[2:3] == ["evcms"])
