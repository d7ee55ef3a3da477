"""Contract 3 end to end: what chargers report reaches browsers subscribed over /ws/live/
(connector status, session progress, command outcomes), through the Redis channel layer."""

import asyncio
import json

import pytest
import websockets
from ocpp.v16 import call

from drivers.tests.factories import TokenFactory, UserFactory
from ocpp_gateway.tests.charger import TIMEOUT, connected, in_db, now_iso, run
from stations.services.commands import command_request
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def _next_event(socket, kind: str) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if event.get("kind") == kind:
            return event


def test_station_subscribers_see_status_session_and_command_events(asgi_server):
    connector = ConnectorFactory()
    station = connector.station
    token = TokenFactory()
    live_url = asgi_server.replace("http://", "ws://") + "/ws/live/"

    async def scenario():
        async with websockets.connect(live_url, origin="http://127.0.0.1") as browser:
            await browser.send(json.dumps({"subscribe": "station", "id": station.pk}))
            assert "subscribed" in json.loads(await asyncio.wait_for(browser.recv(), TIMEOUT))
            async with connected(asgi_server, station.identity) as charger:
                connection = await _next_event(browser, "station_connection")
                await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
                status = await _next_event(browser, "connector_status")
                started = await charger.call(
                    call.StartTransaction(connector_id=1, id_tag=token.uid, meter_start=0, timestamp=now_iso())
                )
                await in_db(command_request)(station=station, action="clear_cache", parameters={})
                command = await _next_event(browser, "command")
                while command["status"] == "sent":
                    command = await _next_event(browser, "command")
            return connection, status, started.transaction_id, command

    connection, status, transaction_id, command = run(scenario())
    assert (connection["station_id"], connection["connected"]) == (station.pk, True)
    assert (status["connector_id"], status["status"], status["error_code"]) == (1, "Charging", "NoError")
    assert (command["action"], command["status"], command["result"]) == (
        "clear_cache",
        "accepted",
        {"status": "accepted"},
    )
    assert transaction_id


def test_session_subscribers_see_energy_move(asgi_server, client):
    connector = ConnectorFactory()
    station = connector.station
    token = TokenFactory()
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    live_url = asgi_server.replace("http://", "ws://") + "/ws/live/"

    async def scenario():
        async with connected(asgi_server, station.identity) as charger:
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag=token.uid, meter_start=1000, timestamp=now_iso())
            )
            async with websockets.connect(
                live_url, origin="http://127.0.0.1", additional_headers={"Cookie": cookie}
            ) as browser:
                await browser.send(json.dumps({"subscribe": "session", "id": started.transaction_id}))
                assert "subscribed" in json.loads(await asyncio.wait_for(browser.recv(), TIMEOUT))
                meter = {"timestamp": now_iso(), "sampledValue": [{"value": "2500", "unit": "Wh"}]}
                await charger.call(
                    call.MeterValues(connector_id=1, transaction_id=started.transaction_id, meter_value=[meter])
                )
                return started.transaction_id, await _next_event(browser, "session")

    transaction_id, event = run(scenario())
    assert (event["session_id"], event["status"], event["energy_wh"]) == (transaction_id, "active", 1500)
