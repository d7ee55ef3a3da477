"""The staff dashboard end to end: a real uvicorn (production mode, Redis channel layer),
a real Celery worker, a real `ocpp` charger over a real socket, and a staff browser
session on /ws/live/. A status change at the charger is pushed to the dashboard, the
incident the worker opens is pushed too, and a command button's result arrives live."""

import asyncio
import json

import pytest
import requests
import websockets
from django.test import Client
from django.utils.crypto import get_random_string
from ocpp.v16 import call

from drivers.tests.factories import UserFactory
from ocpp_gateway.tests.charger import connected, now_iso, run
from stations import live
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

TIMEOUT = 15


def staff_session_cookie() -> str:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client.cookies["sessionid"].value


async def next_event(socket, predicate):
    async def _wait():
        while True:
            event = json.loads(await socket.recv())
            if predicate(event):
                return event

    return await asyncio.wait_for(_wait(), TIMEOUT)


def test_dashboard_is_pushed_status_incident_and_command_result(asgi_server, celery_worker_process):
    connector = ConnectorFactory()
    station = connector.station
    cookie = staff_session_cookie()
    http = requests.Session()
    http.cookies.set("sessionid", cookie)
    # What the page's script sends: the CSRF cookie's secret echoed in the header. (Pages
    # are not fetched here: the production-mode server serves manifest static files, which
    # only exist after collectstatic; the page itself is tested in test_ops_pages.py.)
    csrf_token = get_random_string(32)
    http.cookies.set("csrftoken", csrf_token)

    async def scenario():
        async with websockets.connect(
            asgi_server.replace("http://", "ws://") + "/ws/live/",
            origin="http://127.0.0.1",
            additional_headers={"Cookie": f"sessionid={cookie}"},
        ) as dashboard:
            await dashboard.send(json.dumps({"subscribe": "network"}))
            assert await next_event(dashboard, lambda e: "subscribed" in e) == {"subscribed": live.NETWORK_GROUP}
            async with connected(asgi_server, station.identity) as charger:
                await charger.boot()
                await charger.call(
                    call.StatusNotification(
                        connector_id=1, error_code="GroundFailure", status="Faulted", timestamp=now_iso()
                    )
                )
                status = await next_event(
                    dashboard, lambda e: e.get("kind") == "connector_status" and e.get("status") == "Faulted"
                )
                incident = await next_event(dashboard, lambda e: e.get("kind") == "incident")
                reply = await asyncio.to_thread(
                    http.post,
                    f"{asgi_server}/ops/stations/{station.pk}/command",
                    data={"kind": "unlock", "connector": "1"},
                    headers={"X-CSRFToken": csrf_token},
                    timeout=TIMEOUT,
                )
                assert reply.status_code == 202, reply.text
                command_id = reply.json()["command_id"]
                result = await next_event(
                    dashboard,
                    lambda e: (
                        e.get("kind") == "command" and e.get("command_id") == command_id and e["status"] != "sent"
                    ),
                )
                unlock = await charger.wait_for_call("UnlockConnector")
                return status, incident, result, unlock

    status, incident, result, unlock = run(scenario())
    assert (status["station_id"], status["connector_id"], status["error_code"]) == (station.pk, 1, "GroundFailure")
    assert (incident["station_id"], incident["cause"], incident["status"]) == (station.pk, "connector_fault", "pending")
    assert (result["action"], result["status"], result["result"]) == (
        "unlock",
        "accepted",
        {"status": "unlocked"},
    )
    assert unlock == {"connector_id": 1}
