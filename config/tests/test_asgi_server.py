"""One ASGI process serves HTTP and WebSocket, in production mode on real Redis."""

import asyncio
import json
import urllib.request

import pytest
import websockets
from asgiref.sync import sync_to_async

from stations import live
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_http_and_websocket_served_by_one_process(asgi_server):
    with urllib.request.urlopen(f"{asgi_server}/healthz", timeout=5) as response:  # noqa: S310
        assert json.loads(response.read()) == {"status": "ok"}
    connector = ConnectorFactory()
    station_id = connector.station_id
    ws_url = asgi_server.replace("http://", "ws://") + "/ws/live/"

    async def subscribe_and_receive():
        async with websockets.connect(ws_url, origin="http://127.0.0.1") as socket:
            await socket.send(json.dumps({"subscribe": "station", "id": station_id}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {
                "subscribed": live.station_group(station_id)
            }
            # Published from this (test) process, delivered through Redis by the server process.
            await sync_to_async(live.publish)(
                groups=[live.station_group(station_id)], event={"kind": "connector", "status": "Charging"}
            )
            return json.loads(await asyncio.wait_for(socket.recv(), 5))

    assert asyncio.run(subscribe_and_receive()) == {"kind": "connector", "status": "Charging"}
