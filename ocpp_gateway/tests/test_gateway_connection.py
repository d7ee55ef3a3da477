"""Who may connect, and how: identity, HTTP Basic (security profiles 0–2), subprotocol
negotiation, auto-registration and duplicate connections. Real server, real sockets."""

import asyncio

import pytest
import websockets
from django.conf import settings
from ocpp.v16 import call

from config import live_servers
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, connected, in_db, run, ws_url
from stations.models import ChargingStation, RegistrationStatus
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def _handshake_status(url: str, **kwargs) -> int:
    try:
        async with websockets.connect(url, open_timeout=TIMEOUT, **kwargs):
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


def test_unknown_identity_is_refused_before_upgrade_with_404(asgi_server):
    url = ws_url(asgi_server, "NO-SUCH-STATION")
    status = run(_handshake_status(url, subprotocols=["ocpp1.6"], additional_headers=basic_auth("NO-SUCH-STATION")))
    assert status == 404
    assert not ChargingStation.objects.filter(identity="NO-SUCH-STATION").exists()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no credentials"),
        pytest.param("wrong password", id="wrong password"),
        pytest.param("other user", id="username is not the identity"),
        pytest.param({"Authorization": "Basic !!notbase64"}, id="malformed header"),
    ],
)
def test_profile_1_station_without_valid_credentials_gets_401(asgi_server, headers):
    station = ChargingStationFactory(security_profile=ChargingStation.SecurityProfile.BASIC)
    if headers == "wrong password":
        headers = basic_auth(station.identity, "a-wrong-password-0000")
    elif headers == "other user":
        headers = basic_auth("SOMEONE-ELSE")
    status = run(
        _handshake_status(ws_url(asgi_server, station.identity), subprotocols=["ocpp1.6"], additional_headers=headers)
    )
    assert status == 401
    station.refresh_from_db()
    assert not station.is_connected


def test_profile_2_station_is_refused_over_plain_ws_and_admitted_behind_a_tls_proxy(asgi_server):
    # Profile 2 sends its password in the Authorization header: only ever over TLS. The test
    # server is plain uvicorn, which believes X-Forwarded-Proto from its loopback peer as it
    # would from the TLS proxy in front of it (--forwarded-allow-ips).
    station = ChargingStationFactory(security_profile=ChargingStation.SecurityProfile.BASIC_TLS)
    url = ws_url(asgi_server, station.identity)
    plain = run(_handshake_status(url, subprotocols=["ocpp1.6"], additional_headers=basic_auth(station.identity)))
    assert plain == 401
    proxied = {**basic_auth(station.identity), "X-Forwarded-Proto": "https"}
    assert run(_handshake_status(url, subprotocols=["ocpp1.6"], additional_headers=proxied)) == 101
    wrong = {**basic_auth(station.identity, "a-wrong-password-0000"), "X-Forwarded-Proto": "https"}
    assert run(_handshake_status(url, subprotocols=["ocpp1.6"], additional_headers=wrong)) == 401


def test_profile_0_station_connects_without_credentials(asgi_server):
    station = ChargingStationFactory(security_profile=ChargingStation.SecurityProfile.NONE, password_hash="")

    async def scenario():
        async with connected(asgi_server, station.identity, auth=False) as charger:
            return await charger.call(call.Heartbeat())

    assert run(scenario()).current_time


def test_subprotocol_ocpp16_is_selected_when_it_is_the_only_one_we_share(asgi_server):
    station = ChargingStationFactory()

    async def scenario():
        async with websockets.connect(
            ws_url(asgi_server, station.identity),
            subprotocols=["ocpp9.9", "ocpp1.6"],
            additional_headers=basic_auth(station.identity),
        ) as socket:
            return socket.subprotocol

    assert run(scenario()) == "ocpp1.6"


def test_connection_offering_no_protocol_we_speak_is_closed_without_one(asgi_server):
    station = ChargingStationFactory()

    async def scenario():
        async with websockets.connect(
            ws_url(asgi_server, station.identity),
            subprotocols=["ocpp3.0"],
            additional_headers=basic_auth(station.identity),
        ) as socket:
            selected = socket.subprotocol
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), TIMEOUT)
            return selected, closed.value.rcvd.code

    selected, code = run(scenario())
    assert selected is None
    assert code == 1002
    station.refresh_from_db()
    assert not station.is_connected


def test_second_connection_replaces_the_first(asgi_server):
    station = ChargingStationFactory()

    async def scenario():
        async with (
            connected(asgi_server, station.identity) as first,
            connected(asgi_server, station.identity) as second,
        ):
            await asyncio.wait_for(first._connection.wait_closed(), TIMEOUT)
            heartbeat = await second.call(call.Heartbeat())
            still_connected = (await in_db(ChargingStation.objects.get)(pk=station.pk)).is_connected
            return first._connection.close_code, heartbeat, still_connected

    code, heartbeat, still_connected = run(scenario())
    assert code == 4000
    assert heartbeat.current_time
    assert still_connected


def test_abrupt_disconnect_marks_station_offline(asgi_server):
    station = ChargingStationFactory()

    async def scenario():
        socket = await websockets.connect(
            ws_url(asgi_server, station.identity),
            subprotocols=["ocpp1.6"],
            additional_headers=basic_auth(station.identity),
        )
        socket.transport.abort()  # no close handshake, as when a modem drops
        for _ in range(TIMEOUT * 20):
            if not (await in_db(ChargingStation.objects.get)(pk=station.pk)).is_connected:
                return True
            await asyncio.sleep(0.05)
        return False

    assert run(scenario())


@pytest.fixture(scope="module")
def auto_register_server(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(
        port=port,
        log_path=tmp_path_factory.mktemp("asgi-auto") / "uvicorn.log",
        extra_env={"OCPP_AUTO_REGISTER": "true"},
    )
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


def test_auto_registration_creates_pending_station_that_must_wait(auto_register_server):
    identity = "AUTO-NEW-0001"

    async def scenario():
        async with connected(auto_register_server, identity) as charger:
            boot = await charger.boot()
        station = await in_db(ChargingStation.objects.get)(identity=identity)
        return boot, station

    boot, station = run(scenario())
    assert boot.status == "Pending"
    assert station.registration_status == RegistrationStatus.PENDING
    assert station.security_profile == ChargingStation.SecurityProfile.BASIC
    assert station.password_hash
    # Once registered, its credentials are required like any other station's.
    status = run(
        _handshake_status(
            ws_url(auto_register_server, identity),
            subprotocols=["ocpp1.6"],
            additional_headers=basic_auth(identity, "a-different-password-99"),
        )
    )
    assert status == 401
