"""`/metrics`: Prometheus figures of the gateway, the outbox, Celery and the database pool,
summed over several uvicorn worker processes (prometheus_client's multiprocess mode), served
only to allowed addresses or the bearer token; and log lines that name the station."""

import asyncio
import json
import re
import urllib.request

import pytest
import websockets
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from config import live_servers
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, connected, in_db, run, ws_url
from stations.models import CommandRequest
from stations.services.commands import command_request
from stations.tests.factories import ChargingStationFactory, ConnectorFactory


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels without pid): value} of one exposition."""
    found: dict[tuple, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "pid"))
            found[(sample.name, labels)] = found.get((sample.name, labels), 0) + sample.value
    return found


@pytest.mark.django_db
def test_metrics_are_served_to_allowed_addresses_or_the_bearer_token_only(settings):
    settings.METRICS_TOKEN = "a-long-enough-metrics-token"

    stranger = Client(REMOTE_ADDR="198.51.100.7").get("/metrics")
    with_token = Client(REMOTE_ADDR="198.51.100.7").get(
        "/metrics", HTTP_AUTHORIZATION="Bearer a-long-enough-metrics-token"
    )
    wrong_token = Client(REMOTE_ADDR="198.51.100.7").get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    local = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    assert (stranger.status_code, wrong_token.status_code) == (403, 403)
    assert with_token.status_code == local.status_code == 200
    assert ("evcms_outbox_commands", (("status", "pending"),)) in samples(local.content.decode())


@pytest.fixture
def two_worker_web(tmp_path, django_db_blocker):
    """The Procfile's web command with two uvicorn worker processes sharing a metrics directory."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = live_servers.free_port()
    log_path = tmp_path / "uvicorn.log"
    extra_env = {"WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    process = live_servers.start_procfile_web(port=port, log_path=log_path, extra_env=extra_env)
    yield f"http://127.0.0.1:{port}", log_path
    with django_db_blocker.unblock():
        live_servers.stop(process)


def _scrape(base_url: str) -> dict[tuple, float]:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:  # noqa: S310 - loopback
        return samples(response.read().decode())


async def _until(condition, timeout: float = TIMEOUT) -> None:
    """Wait (bounded) until `condition()`, run in a thread (it may query), is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await in_db(condition)():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_gateway_figures_are_summed_over_worker_processes_and_logs_name_the_station(two_worker_web, settings):
    base_url, log_path = two_worker_web
    station = ConnectorFactory().station
    identity = station.identity
    offline = ChargingStationFactory()
    command_request(station=offline, action="clear_cache", parameters={})

    async def scenario():
        async with connected(base_url, identity) as charger:
            await charger.boot()
            command = await in_db(lambda: command_request(station=station, action="clear_cache", parameters={}))()
            await charger.wait_for_call("ClearCache")
            await _until(lambda: CommandRequest.objects.get(pk=command.pk).status == CommandRequest.Status.ACCEPTED)
            while_connected = await asyncio.to_thread(_scrape, base_url)
        async with websockets.connect(
            ws_url(base_url, identity), subprotocols=["ocpp1.6"], additional_headers=basic_auth(identity)
        ) as socket:
            await socket.send(json.dumps([2, "m-1", "NoSuchAction", {}]))
            await socket.send(json.dumps([3, "no-such-call", {}]))  # a response to nothing: logged in a thread
            await socket.send(json.dumps([2, "m-2", "Heartbeat", {}]))
            while json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))[1] != "m-2":
                pass
        # The server notices the close a moment after the client.
        await _until(lambda: _scrape(base_url)[("evcms_ocpp_connected_chargers", ())] == 0)
        return while_connected, await asyncio.to_thread(_scrape, base_url)

    while_connected, after = run(scenario())

    assert while_connected[("evcms_ocpp_connected_chargers", ())] == 1
    assert after[("evcms_ocpp_connected_chargers", ())] == 0
    assert (
        while_connected[
            ("evcms_ocpp_frames_total", (("action", "BootNotification"), ("direction", "in"), ("message_type", "CALL")))
        ]
        == 1
    )
    assert (
        while_connected[
            ("evcms_ocpp_frames_total", (("action", "ClearCache"), ("direction", "out"), ("message_type", "CALL")))
        ]
        == 1
    )
    assert after[("evcms_ocpp_call_round_trip_seconds_count", (("action", "ClearCache"),))] == 1
    assert after[("evcms_ocpp_callerrors_total", (("code", "NotImplemented"), ("direction", "out")))] == 1
    assert after[("evcms_ocpp_frames_total", (("action", "other"), ("direction", "in"), ("message_type", "CALL")))] == 1
    assert after[("evcms_outbox_commands", (("status", "pending"),))] == 1
    assert ("evcms_celery_queue_length", (("queue", settings.CELERY_TASK_DEFAULT_QUEUE),)) in after
    assert ("evcms_db_pool_connections", (("state", "in_use"),)) in after
    log = log_path.read_text()
    assert re.search(rf"ocpp_gateway\.outbox station={re.escape(identity)}: .*dropped response", log), log[-3000:]
