"""Several web processes of one deployment, each a separate OS process on its own port, as
on separate hosts, sharing the scenario's PostgreSQL and Redis."""

import asyncio
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.request import Request, urlopen

import websockets
from ocpp.v16 import call

from config import live_servers
from config.tests.faults.harness import web_env
from ocpp_gateway.tests.charger import connected, now_iso

SHUTDOWN_CANCEL = "timeout graceful shutdown exceeded"


@dataclass
class WebProcess:
    port: int
    log_path: Path
    process: object

    def log_errors(self) -> int:
        """ERROR lines, except uvicorn's cancellation at the end of its graceful shutdown of a
        charger consumer that had already disconnected and was only waiting for channels_redis
        to unwind its receive (counted by shutdown_cancellations; docs/deployment.md)."""
        return sum(
            1
            for line in self.log_path.read_text(errors="replace").splitlines()
            if (" ERROR " in line or "ERROR:" in line) and SHUTDOWN_CANCEL not in line
        )

    def shutdown_cancellations(self) -> int:
        return self.log_path.read_text(errors="replace").count(SHUTDOWN_CANCEL)


async def start_webs(log_dir: Path, name: str, *, count: int, **extra: str) -> list[WebProcess]:
    async def one(number: int) -> WebProcess:
        port = live_servers.free_port()
        log_path = log_dir / f"{name}-web{number}.log"
        process = await asyncio.to_thread(
            live_servers.start_uvicorn, port=port, log_path=log_path, extra_env=web_env(**extra)
        )
        return WebProcess(port, log_path, process)

    return list(await asyncio.gather(*(one(number) for number in range(count))))


async def stop_webs(webs: list[WebProcess]) -> None:
    for web in webs:
        if web.process.poll() is None:
            await asyncio.to_thread(live_servers.stop, web.process)


def connected_per_process(ports: list[int]) -> list[int]:
    """Each process's own count of admitted charger sockets, from its /metrics."""
    counts = []
    for port in ports:
        with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
        found = re.search(r"^evcms_ocpp_connected_chargers(?:\{[^}]*\})? ([0-9.]+)$", text, re.MULTILINE)
        counts.append(int(float(found.group(1))) if found else 0)
    return counts


def staff_api_key() -> str:
    from django.contrib.auth import get_user_model

    from config.api.tokens import api_token_create

    user, _ = get_user_model().objects.get_or_create(
        username="scale-staff", defaults={"email": "scale-staff@example.com", "is_staff": True}
    )
    return api_token_create(user=user)[1]


def api_command(port: int, key: str, station_id: int, label: str) -> int:
    """Queue a DataTransfer labelled `label` through the REST API of the process on `port`."""
    body = json.dumps({"action": "data_transfer", "parameters": {"vendor_id": "scale", "message_id": label}})
    request = Request(
        f"http://127.0.0.1:{port}/api/v1/stations/{station_id}/commands/",
        data=body.encode(),
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
        return response.status


async def live_status_seen(*, browser_port: int, charger_port: int, station, timeout: float) -> tuple[bool, bool]:
    """A browser subscribes to `station` on the process at `browser_port`; the station's
    charger, connected to `charger_port`, reports Unavailable. Returns (subscribed, seen)."""
    async with websockets.connect(f"ws://127.0.0.1:{browser_port}/ws/live/", open_timeout=10) as browser:
        await browser.send(json.dumps({"subscribe": "station", "id": station.pk}))
        subscribed = "subscribed" in json.loads(await asyncio.wait_for(browser.recv(), 10))
        async with connected(f"http://127.0.0.1:{charger_port}", station.identity) as charger:
            await charger.boot()
            await charger.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status="Unavailable", timestamp=now_iso())
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                event = await asyncio.wait_for(browser.recv(), deadline - time.monotonic())
                if "Unavailable" in event:
                    return subscribed, True
    return subscribed, False
