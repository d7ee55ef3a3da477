"""What a hostile or broken client costs us: probes of WebSocket paths no route takes get a
plain 404 (no 500, no traceback), and a charger sending malformed frames is logged once
per window and cut off at a stated threshold, while other chargers carry on."""

import asyncio
import json
import time

import pytest
import websockets
from django.conf import settings
from ocpp.v16 import call

from config import live_servers
from ocpp_gateway import malformed
from ocpp_gateway.models import MessageLog
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, connected, run, ws_url
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WINDOW_SECONDS = 2
CLOSE_AFTER = 50


@pytest.fixture(scope="module")
def strict_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real server with a short malformed-frame window, and its log to read."""
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    log_path = tmp_path_factory.mktemp("asgi-strict") / "uvicorn.log"
    process = live_servers.start_uvicorn(
        port=port,
        log_path=log_path,
        extra_env={
            "OCPP_MALFORMED_WINDOW_SECONDS": str(WINDOW_SECONDS),
            "OCPP_MALFORMED_CLOSE_AFTER": str(CLOSE_AFTER),
        },
    )
    yield f"http://127.0.0.1:{port}", port, log_path
    with django_db_blocker.unblock():
        live_servers.stop(process)


async def _upgrade_status(port: int, path: str) -> int:
    """The HTTP status a WebSocket upgrade of `path` gets, sent byte for byte as written
    (a client library would normalise `..` or refuse odd paths)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
        ).encode()
    )
    status_line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    writer.close()
    return int(status_line.split()[1])


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/ocpp/" + "A" * 49, id="identity of 49 characters"),
        pytest.param("/ocpp/../admin/", id="dot-dot"),
        pytest.param("/ocpp/CP%2F01", id="encoded slash"),
        pytest.param("/ocpp/", id="empty identity"),
        pytest.param("/ocpp/CP-01/extra", id="extra segment"),
        pytest.param("/ocpp/CP%0001", id="encoded NUL"),
        pytest.param("/no/such/socket", id="unknown path"),
    ],
)
def test_unroutable_websocket_path_gets_404_without_a_traceback(strict_server, path):
    _, port, log_path = strict_server
    assert run(_upgrade_status(port, path)) == 404
    log = log_path.read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log


async def _send_all(socket, frames: list[str]) -> None:
    try:
        for frame in frames:
            await socket.send(frame)
    except websockets.ConnectionClosed:
        pass  # cut off part-way, as intended


async def _read_until_closed(socket) -> None:
    # Reading keeps the client's receive queue from filling, so that it sees the close frame.
    try:
        async for _ in socket:
            pass
    except websockets.ConnectionClosed:
        pass


def test_flood_of_malformed_frames_is_logged_once_and_closed_while_others_carry_on(strict_server):
    base_url = strict_server[0]
    flooder, neighbour = ChargingStationFactory(), ChargingStationFactory()

    async def scenario():
        async with connected(base_url, neighbour.identity) as well_behaved:
            async with websockets.connect(
                ws_url(base_url, flooder.identity),
                subprotocols=["ocpp1.6"],
                additional_headers=basic_auth(flooder.identity),
            ) as socket:
                flood = asyncio.gather(
                    _send_all(socket, [f"garbage {n}" for n in range(1000)]), _read_until_closed(socket)
                )
                # The neighbour's calls are answered during the flood and after it.
                during = await asyncio.gather(*(well_behaved.call(call.Heartbeat()) for _ in range(5)))
                await flood
                await asyncio.wait_for(socket.wait_closed(), TIMEOUT)
                close_code = socket.close_code
            after = await well_behaved.call(call.Heartbeat())
            return close_code, [*during, after]

    close_code, heartbeats = run(scenario())
    assert close_code == malformed.CLOSE_CODE == 1008
    assert all(heartbeat.current_time for heartbeat in heartbeats)
    logged = list(MessageLog.objects.filter(station=flooder))
    assert len(logged) == 1
    assert logged[0].raw == "garbage 0"
    assert f"+{CLOSE_AFTER - 1} more malformed frames within {WINDOW_SECONDS} s" in logged[0].note


def test_malformed_frames_are_logged_once_per_window_with_the_rest_counted(strict_server):
    base_url = strict_server[0]
    station = ChargingStationFactory()

    async def burst(socket, label: str, count: int) -> None:
        for n in range(count):
            await socket.send(f"{label} {n}")
            assert json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))[2] == "ProtocolError"

    async def scenario():
        async with websockets.connect(
            ws_url(base_url, station.identity),
            subprotocols=["ocpp1.6"],
            additional_headers=basic_auth(station.identity),
        ) as socket:
            await burst(socket, "first", 5)
            await asyncio.sleep(WINDOW_SECONDS + 0.2)
            await burst(socket, "second", 3)
            # A valid call between windows is answered as usual.
            await socket.send(json.dumps([2, "hb-1", "Heartbeat", {}]))
            return json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))

    def refused() -> dict[str, str]:
        return {row.raw: row.note for row in MessageLog.objects.filter(station=station, message_type=0)}

    heartbeat = run(scenario())
    assert heartbeat[:2] == [3, "hb-1"]
    assert list(refused()) == ["second 0", "first 0"]  # newest first
    assert refused()["first 0"].endswith(f"[+4 more malformed frames within {WINDOW_SECONDS} s, not logged]")
    # The open window's count is written when the connection closes.
    for _ in range(TIMEOUT * 20):
        if "[+2 more" in refused()["second 0"]:
            break
        time.sleep(0.05)
    assert refused()["second 0"].endswith(f"[+2 more malformed frames within {WINDOW_SECONDS} s, not logged]")
