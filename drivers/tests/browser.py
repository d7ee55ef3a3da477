"""Helpers for the portal's browser tests: Debian's Chromium driven by Playwright, a live
server whose e-mails land in files, and a simulated charger that really charges."""

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from ocpp.routing import after
from ocpp.v16 import call
from ocpp.v16.enums import Action

from ocpp_gateway.tests.charger import SimulatedCharger, connected, now_iso

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / "docs" / "screenshots"
WAIT_MS = 20_000


def require_chromium() -> None:
    """Skip (with the reason printed) where Chromium is missing; in CI, fail instead."""
    if CHROMIUM.exists():
        return
    reason = f"needs Chromium at {CHROMIUM}: run .ci/browser-deps (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def collect_static(env: dict[str, str]) -> None:
    """Production mode serves hashed static files from STATIC_ROOT (WhiteNoise's manifest),
    as after `make run`'s collectstatic; without it every page that uses {% static %} fails."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def block_map_tiles(context) -> None:
    # Tests run offline; OpenStreetMap's tile servers are outside our reach.
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def read_mails(directory: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(directory.glob("*.log")))


class ChargingCharger(SimulatedCharger):
    """Accepts RemoteStart, then plugs in, starts a transaction and reports energy every
    half second until RemoteStop, then stops the transaction."""

    # Wh per half second: 400 shows kWh moving at once, but is more than any connector
    # delivers, so such a session's CDR is held for review (energy_implausible).
    step_wh = 400

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meter_wh = 1_000
        self.stop_requested = asyncio.Event()

    @after(Action.remote_start_transaction)
    async def begin_after_remote_start(self, id_tag, connector_id=None, **payload):
        asyncio.get_running_loop().create_task(self._charge(id_tag=id_tag, connector_id=connector_id or 1))

    @after(Action.remote_stop_transaction)
    async def end_after_remote_stop(self, transaction_id, **payload):
        self.stop_requested.set()

    async def status(self, connector_id: int, status: str):
        await self.call(call.StatusNotification(connector_id=connector_id, error_code="NoError", status=status))

    async def _charge(self, *, id_tag: str, connector_id: int):
        await self.status(connector_id, "Preparing")
        started = await self.call(
            call.StartTransaction(
                connector_id=connector_id, id_tag=id_tag, meter_start=self.meter_wh, timestamp=now_iso()
            )
        )
        transaction_id = started.transaction_id
        await self.status(connector_id, "Charging")
        while not self.stop_requested.is_set():
            self.meter_wh += self.step_wh
            await self.call(
                call.MeterValues(
                    connector_id=connector_id,
                    transaction_id=transaction_id,
                    meter_value=[
                        {
                            "timestamp": now_iso(),
                            "sampledValue": [
                                {
                                    "value": str(self.meter_wh),
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit": "Wh",
                                },
                                {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                            ],
                        }
                    ],
                )
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), 0.5)
        await self.call(
            call.StopTransaction(
                meter_stop=self.meter_wh, timestamp=now_iso(), transaction_id=transaction_id, reason="Remote"
            )
        )
        await self.status(connector_id, "Finishing")
        await self.status(connector_id, "Available")


class ChargerThread:
    """A ChargingCharger connected to the live server from its own thread and event loop,
    so that the (synchronous) browser test can drive the portal meanwhile."""

    def __init__(
        self,
        *,
        base_url: str,
        identity: str,
        connector_ids: tuple[int, ...] = (1,),
        charger_class: type[ChargingCharger] = ChargingCharger,
    ):
        self.base_url, self.identity, self.connector_ids = base_url, identity, connector_ids
        self.charger_class = charger_class
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"charger-{identity}", daemon=True)

    def __enter__(self):
        self._thread.start()
        if not self.ready.wait(15) or self.error:
            raise RuntimeError(f"charger {self.identity} did not connect: {self.error!r}")
        return self

    def __exit__(self, *exc):
        if self._loop and self._done:
            self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join(15)

    _loop = _done = None

    def _run(self):
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the test thread
            self.error = error
            self.ready.set()

    async def _main(self):
        self._loop, self._done = asyncio.get_running_loop(), asyncio.Event()
        async with connected(self.base_url, self.identity, charger_class=self.charger_class) as charger:
            await charger.boot()
            for connector_id in self.connector_ids:
                await charger.status(connector_id, "Available")
            self.ready.set()
            await asyncio.wait_for(self._done.wait(), 300)
