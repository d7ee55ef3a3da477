"""Whether this process's channel layer (Redis in production) answers.

The channel layer only carries wake-ups and announcements; the outbox rows are the truth
and the outbox poll finds them without it. So when the layer fails, consumers keep their
sockets and wait here instead of ending; one probe a second (not one per socket) finds
the layer back, and then they rejoin their groups."""

import asyncio
import logging
import time

logger = logging.getLogger(__name__)

PROBE_GROUP = "ocpp.layer-probe"


class LayerHealth:
    probe_interval = 1.0

    def __init__(self) -> None:
        self.down_since: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._up: asyncio.Event | None = None
        self._probe: asyncio.Task | None = None

    @property
    def is_up(self) -> bool:
        return self.down_since is None

    def mark_down(self, layer, error: BaseException) -> None:
        """The layer failed a call: start probing it, unless already doing so."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._up, self._probe, self.down_since = loop, None, None, None
        if self.down_since is None:
            self.down_since = time.monotonic()
            self._up = asyncio.Event()
            logger.warning(
                "channel layer unavailable (%s: %s); wake-ups fall back to the outbox poll", type(error).__name__, error
            )
        if self._probe is None or self._probe.done():
            self._probe = loop.create_task(self._probe_until_up(layer))

    async def wait_until_up(self) -> None:
        if self.down_since is not None and self._up is not None:
            await self._up.wait()

    async def _probe_until_up(self, layer) -> None:
        while True:
            await asyncio.sleep(self.probe_interval)
            try:
                # Cheap on every layer: a group nobody joins.
                await layer.group_send(PROBE_GROUP, {"type": "layer.probe"})
            except Exception:  # noqa: S112 - still down: try again in a second
                continue
            break
        logger.warning("channel layer back after %.1f s", time.monotonic() - self.down_since)
        up, self._up, self.down_since = self._up, None, None
        up.set()


layer_health = LayerHealth()
