"""A web process lets OCPP_MAX_CONNECTING chargers connect at once (handshake to first
answered CALL); beyond that the handshake is answered 503 with Retry-After before any
other work, and the slot comes back when the connecting charger's first CALL is answered
or its socket closes. Real server, real sockets."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from config import live_servers
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, run, ws_url
from stations.models import RegistrationStatus
from stations.tests.factories import ChargingStationFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BOOT = [2, "boot-1", "BootNotification", {"chargePointVendor": "Test", "chargePointModel": "Limit"}]


@pytest.fixture(scope="module")
def one_at_a_time_server(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(
        port=port,
        log_path=tmp_path_factory.mktemp("asgi-connecting") / "uvicorn.log",
        extra_env={"OCPP_MAX_CONNECTING": "1"},
    )
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


def _open(server: str, identity: str):
    return websockets.connect(
        ws_url(server, identity),
        subprotocols=["ocpp1.6"],
        additional_headers=basic_auth(identity),
        open_timeout=TIMEOUT,
    )


async def _refusal(server: str, identity: str):
    try:
        async with _open(server, identity):
            return None
    except websockets.InvalidStatus as refused:
        return refused.response


def _stations(count: int) -> list[str]:
    return [ChargingStationFactory(registration_status=RegistrationStatus.ACCEPTED).identity for _ in range(count)]


def test_a_second_charger_is_refused_with_503_until_the_first_is_answered(one_at_a_time_server):
    first, second = _stations(2)

    async def scenario():
        async with _open(one_at_a_time_server, first) as socket:
            refused = await _refusal(one_at_a_time_server, second)
            await socket.send(json.dumps(BOOT))
            answer = json.loads(await socket.recv())
            admitted = await _refusal(one_at_a_time_server, second)
            return refused, answer, admitted

    refused, answer, admitted = run(scenario())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert answer[0] == 3 and answer[2]["status"] == "Accepted"
    assert admitted is None  # the first one's answered BootNotification gave the slot back


def test_a_connecting_charger_that_closes_gives_its_slot_back(one_at_a_time_server):
    first, second = _stations(2)

    async def scenario():
        async with _open(one_at_a_time_server, first):
            pass  # closed without a CALL
        # The server learns of the close a moment later: retry briefly, as firmware would.
        for _ in range(50):
            refused = await _refusal(one_at_a_time_server, second)
            if refused is None:
                return True
            await asyncio.sleep(0.1)
        return False

    assert run(scenario())
