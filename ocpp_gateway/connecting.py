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

from django.conf import settings


class ConnectingLimit:
    """A counter of the process's connections still connecting. Touched only from event
    loops (a test process runs several, one at a time), so it needs no lock."""

    def __init__(self) -> None:
        self.held = 0

    def take(self) -> bool:
        if self.held >= settings.OCPP_MAX_CONNECTING:
            return False
        self.held += 1
        return True

    def give_back(self) -> None:
        self.held = max(0, self.held - 1)


connecting_limit = ConnectingLimit()
