"""Graceful drain of one web process's charger sockets, for rolling deploys.

On SIGTERM the web server (config.web_server) stops accepting connections, then asks this
drain to close its charger sockets. Closing them all at once (what uvicorn does on its own)
sends every charger to the remaining processes in the same second: a reconnect storm of
boots, status notifications and authorizations. Instead they close in batches spread over
OCPP_DRAIN_WINDOW_SECONDS, each with 1012 "service restart", which tells the charger to
reconnect at once (through the load balancer, to a process that is up).

While draining, no socket of this process claims another command: pending commands stay in
the outbox for whichever process the charger reconnects to, and a command already sent is
awaited (up to OCPP_CALL_TIMEOUT) before its socket closes, so none is lost or sent twice.
A charger's own CALL being answered is finished first as well. Once the sockets are closed,
the message log's buffered rows are written (ocpp_gateway/message_log_writer.py), and the
Heartbeats still waiting are recorded (ocpp_gateway/seen_writer.py)."""

import asyncio
import logging
import time
from dataclasses import dataclass

from django.conf import settings

from ocpp_gateway.message_log_writer import message_log_writer
from ocpp_gateway.seen_writer import seen_writer

logger = logging.getLogger(__name__)

CLOSE_SERVICE_RESTART = 1012


@dataclass(frozen=True)
class DrainReport:
    sockets: int
    batches: int
    seconds: float


class ProcessDrain:
    """This process's charger sockets, and whether they are being drained."""

    def __init__(self) -> None:
        self.active = False
        self.sockets: set = set()

    def add(self, consumer) -> None:
        self.sockets.add(consumer)

    def discard(self, consumer) -> None:
        self.sockets.discard(consumer)

    async def run(self, *, window_seconds: float | None = None, batch_size: int | None = None) -> DrainReport:
        """Close every charger socket of this process in batches spread over the window."""
        self.active = True
        window = settings.OCPP_DRAIN_WINDOW_SECONDS if window_seconds is None else window_seconds
        size = batch_size or settings.OCPP_DRAIN_BATCH_SIZE
        started = time.monotonic()
        sockets = list(self.sockets)
        batches = [sockets[start : start + size] for start in range(0, len(sockets), size)]
        pause = window / len(batches) if batches else 0
        logger.info("draining %s charger sockets in %s batches over %s s", len(sockets), len(batches), window)
        for number, batch in enumerate(batches):
            await asyncio.gather(*(consumer.drain_close() for consumer in batch), return_exceptions=True)
            if number + 1 < len(batches):
                await asyncio.sleep(pause)
        if not await asyncio.to_thread(message_log_writer.flush):
            logger.warning("drain: %s message log rows still unwritten", message_log_writer.pending())
        if not await asyncio.to_thread(seen_writer.flush):
            logger.warning("drain: %s stations' last Heartbeat still unrecorded", seen_writer.pending())
        report = DrainReport(sockets=len(sockets), batches=len(batches), seconds=round(time.monotonic() - started, 2))
        logger.info("drained %s charger sockets in %s s", report.sockets, report.seconds)
        return report


process_drain = ProcessDrain()
