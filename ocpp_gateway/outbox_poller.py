"""One outbox poll per process, not per socket.

The channel layer's `outbox.wake` is how a queued command reaches the consumer holding the
station's socket. In case a wake-up is lost (embedded mode's in-memory layer cannot reach
another process; a Redis hiccup), this process asks the database every
OCPP_OUTBOX_POLL_SECONDS which of *its* connected stations have deliverable commands, and
pumps only those. One indexed query per interval, whatever the number of sockets: the
benchmark measured the former per-socket poll at two thirds of an idle fleet's CPU."""

import asyncio
import logging
import random
from collections import defaultdict

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)


class OutboxPoller:
    def __init__(self, query) -> None:
        # query(station_ids=..., now=...) -> set of station ids, awaitable (runs in a thread)
        self._query = query
        self._consumers: dict[int, set] = defaultdict(set)
        self._task: asyncio.Task | None = None

    def add(self, station_id: int, consumer) -> None:
        self._consumers[station_id].add(consumer)
        loop = asyncio.get_running_loop()
        # A new loop (a restarted server in one interpreter, as in tests) needs its own task.
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    def remove(self, station_id: int, consumer) -> None:
        consumers = self._consumers.get(station_id)
        if consumers is None:
            return
        consumers.discard(consumer)
        if not consumers:
            del self._consumers[station_id]

    async def poll_once(self) -> int:
        """Pump every local consumer whose station has a deliverable command; returns how many."""
        if not self._consumers:
            return 0
        due = await self._query(station_ids=list(self._consumers), now=timezone.now())
        pumped = 0
        for station_id in due:
            for consumer in list(self._consumers.get(station_id, ())):
                consumer.spawn_outbox_pump()
                pumped += 1
        return pumped

    async def _run(self) -> None:
        while True:
            # Jittered so that the processes of one deployment do not poll in step.
            await asyncio.sleep(settings.OCPP_OUTBOX_POLL_SECONDS * random.uniform(0.8, 1.2))
            try:
                await self.poll_once()
            except (OperationalError, InterfaceError) as error:
                logger.warning("outbox poll skipped, database unavailable (%s)", error)
            except Exception:
                logger.exception("outbox poll failed")
