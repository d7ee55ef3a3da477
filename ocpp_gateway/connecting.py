"""How many chargers one web process lets connect at once: from the WebSocket handshake
until the connection's first CALL is answered (its BootNotification, for a charger that
reboots), it closes, or OCPP_CALL_TIMEOUT passes. Beyond OCPP_MAX_CONNECTING the handshake
is answered 503 before any other work, and the charger retries after its back-off.

Why: a process serves the frames of every connecting charger in turn, so when a restart
brings thousands back at once (S4 in docs/benchmarks.md), each waited behind all the
others, past its own 30 s handshake and call timeouts; it then reconnected and the work
done for it was lost. Thousands of retries later the fleet had still not re-booted.
Refusing the excess up front costs next to nothing and keeps every admitted charger's
boot within seconds, so the fleet comes back at the rate the core can serve."""

import logging
import time

from django.conf import settings

from ocpp_gateway import handshake

logger = logging.getLogger(__name__)

REFUSAL = "Too many chargers are connecting to this server; retry shortly."
# In a storm thousands are refused a minute: one log line per this many seconds says how many.
REFUSAL_LOG_SECONDS = 10


class ConnectingLimit:
    """A counter of the process's connections still connecting. Touched only from event
    loops (a test process runs several, one at a time), so it needs no lock."""

    def __init__(self) -> None:
        self.held = 0
        self.refused = 0  # since the last log line
        self.refused_logged_at = 0.0

    @property
    def full(self) -> bool:
        return self.held >= settings.OCPP_MAX_CONNECTING

    def take(self) -> bool:
        if self.full:
            return False
        self.held += 1
        return True

    def give_back(self) -> None:
        self.held = max(0, self.held - 1)

    def note_refused(self) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self.refused_logged_at >= REFUSAL_LOG_SECONDS:
            logger.info(
                "refused %s charger(s) with 503: %s already connecting (OCPP_MAX_CONNECTING)", self.refused, self.held
            )
            self.refused, self.refused_logged_at = 0, now


connecting_limit = ConnectingLimit()


def connecting_gate(app):
    """ASGI wrapper for the charger route: while the process is full, answer the handshake
    503 here, before Channels builds a consumer, a channel and its receive tasks for a
    socket that is refused at once. In S4's storm most handshakes are such refusals. The
    consumer still takes its slot itself, so this only moves the common refusal earlier."""

    async def gate(scope, receive, send) -> None:
        if scope["type"] == "websocket" and connecting_limit.full:
            await receive()  # websocket.connect
            connecting_limit.note_refused()
            await handshake.http_refusal(scope, send, 503, REFUSAL)
            return
        await app(scope, receive, send)

    return gate
