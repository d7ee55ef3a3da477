"""The live sender: one per event loop, it sends live updates handed over by that loop's
worker threads, in the order they were handed over.

A service's commit usually runs in a consumer's worker thread (sync_to_async) whose OCPP
CALLRESULT waits for it; sending to the channel layer there cost two Redis round trips and
two thread/loop hops per answer. Handing the update to the loop returns at once."""

import asyncio
import logging
import os
import threading
import time
import weakref
from collections import deque

from asgiref.sync import SyncToAsync

from stations.live_audience import groups_listened

logger = logging.getLogger(__name__)

# Updates waiting on one loop. Beyond it an update is dropped rather than the worker thread
# made to wait: live updates are best effort (the page shows the committed state on
# reload), an answer to a charger is not. The sender does about 1,000 a second on the
# bench machine and a saturated process hands over more (bench.hot_path left 951 waiting
# after 1,500 MeterValues), so this holds some ten seconds of backlog; an update older than
# that is worth no more than a reload.
QUEUE_LIMIT = 10_000
# Drops are counted always but logged at most this often: a warning per dropped update
# cost the storm that caused the drops another 40,000 log lines.
DROP_LOG_SECONDS = 10.0


def running_main_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this sync_to_async worker thread works for, else None.

    asgiref's AsyncToSync finds it the same way. The thread-local is never cleared, so the
    loop may have stopped or closed since (a test's asyncio.run) or belong to the parent of
    a fork."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


async def group_send_all(*, layer, groups: list[str], event: dict) -> None:
    try:
        for group in groups:
            await layer.group_send(group, {"type": "live.event", "event": event})
    except Exception as error:
        # Best effort: what was committed stands (and the page shows it on reload); a
        # failing layer must not fail the caller, e.g. an OCPP answer after its commit.
        logger.warning("live %s update not sent (%s: %s)", event.get("kind"), type(error).__name__, error)


class LiveSender:
    """Touched only from its loop's thread (the hand-over goes through call_soon_threadsafe),
    so it needs no lock. One drain task at a time keeps a session's updates in order."""

    def __init__(self) -> None:
        self.queued: deque[tuple] = deque()
        self.drainer: asyncio.Task | None = None
        self.dropped = 0
        self.drop_logged_at = float("-inf")

    def enqueue(self, layer, groups: list[str], event: dict) -> None:
        if len(self.queued) >= QUEUE_LIMIT:
            self.dropped += 1
            now = time.monotonic()
            if now - self.drop_logged_at >= DROP_LOG_SECONDS:
                self.drop_logged_at = now
                logger.warning(
                    "live %s update dropped: %d updates already wait for the channel layer"
                    " (%d dropped in this process; logged at most every %d s)",
                    event.get("kind"),
                    len(self.queued),
                    self.dropped,
                    DROP_LOG_SECONDS,
                )
            return
        self.queued.append((layer, groups, event))
        if self.drainer is None:
            # Started on demand and ended when the queue is empty, so no idle task is left
            # pending when its loop closes (a test's loop, a server's shutdown).
            self.drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Take everything waiting, ask once which of its groups anyone listens to, send to
        those in order; repeat while more was handed over meanwhile."""
        try:
            while self.queued:
                batch = list(self.queued)
                self.queued.clear()
                listened = await _listened(batch)
                for layer, groups, event in batch:
                    targets = [group for group in groups if group in listened.get(id(layer), ())]
                    if targets:
                        await group_send_all(layer=layer, groups=targets, event=event)
        finally:
            self.drainer = None


async def _listened(batch: list[tuple]) -> dict[int, set[str]]:
    """Per layer (by id) in `batch`, its groups that have a listener; on a failing layer,
    every group (the sends then fail, and are logged, one by one as before)."""
    wanted: dict[int, tuple] = {}
    for layer, groups, _event in batch:
        wanted.setdefault(id(layer), (layer, set()))[1].update(groups)
    listened = {}
    for key, (layer, groups) in wanted.items():
        try:
            listened[key] = await groups_listened(layer, groups)
        except Exception:
            listened[key] = groups
    return listened


_senders: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveSender]" = weakref.WeakKeyDictionary()
# Each loop's thread looks up its own sender, but a process may run several loops (a test
# process: the test's and a live server's).
_senders_lock = threading.Lock()


def _enqueue_on_loop(layer, groups: list[str], event: dict) -> None:
    loop = asyncio.get_running_loop()
    with _senders_lock:
        sender = _senders.get(loop)
        if sender is None:
            sender = _senders[loop] = LiveSender()
    sender.enqueue(layer, groups, event)


async def drained() -> None:
    """Wait until this loop's sender has sent all it was handed (a benchmark counts that
    work in the frames that caused it)."""
    sender = _senders.get(asyncio.get_running_loop())
    while sender is not None and sender.drainer is not None:
        await asyncio.shield(sender.drainer)


def hand_over(*, loop: asyncio.AbstractEventLoop, layer, groups: list[str], event: dict) -> bool:
    """Queue the update on `loop`'s sender without waiting. False if the loop closed
    meanwhile (the caller then sends it itself)."""
    try:
        loop.call_soon_threadsafe(_enqueue_on_loop, layer, groups, event)
    except RuntimeError:
        return False
    return True
