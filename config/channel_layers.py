"""Embedded mode's channel layer: Channels' in-memory layer with its expiry sweep amortised."""

import time

from channels.layers import InMemoryChannelLayer


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer sweeps every channel and every group for expired entries
    on each receive() and group_send(): work in proportion to the open sockets, 2.5 ms per
    call at 10,000 of them, and a charger's boot makes several such calls (its consumer's
    receive, the announcement to its station group, live status events). Embedded mode
    could not ramp past ~8,000 chargers for it. Sweeping at most once a second keeps
    expiry (messages after 60 s, group memberships after a day) within a second of what
    it was."""

    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.swept_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self.swept_at < self.sweep_interval:
            return
        self.swept_at = now
        super()._clean_expired()
