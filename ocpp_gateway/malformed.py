"""How much a connection's malformed frames may cost us: the first of each window is kept
in the message log, the rest of the window only counted (the count is written onto that
row when the window ends); too many in one window close the socket.

Plain bookkeeping, one instance per connection; the consumer does the writing."""

from dataclasses import dataclass

# RFC 6455 "policy violation": the close code a charger sees when it is cut off.
CLOSE_CODE = 1008


@dataclass(frozen=True)
class Verdict:
    log: bool  # keep this frame in the message log
    close: bool  # the window's threshold is reached: close the socket
    # A finished window's logged row and the frames after it that were only counted.
    flush_row_id: int | None = None
    flush_count: int = 0


class MalformedFrames:
    def __init__(self, *, window_seconds: int, close_after: int):
        self.window_seconds = window_seconds
        self.close_after = close_after
        self.window_start: float | None = None
        self.in_window = 0
        self.unlogged = 0
        # Set by the consumer once the window's first frame is written.
        self.logged_row_id: int | None = None

    def arrived(self, now: float) -> Verdict:
        """Account for one malformed frame received at `now` (monotonic seconds)."""
        flush_row_id, flush_count = None, 0
        if self.window_start is None or now - self.window_start >= self.window_seconds:
            flush_row_id, flush_count = self.take_unlogged()
            self.window_start, self.in_window, self.logged_row_id = now, 0, None
        self.in_window += 1
        log = self.in_window == 1
        if not log:
            self.unlogged += 1
        return Verdict(
            log=log, close=self.in_window >= self.close_after, flush_row_id=flush_row_id, flush_count=flush_count
        )

    def take_unlogged(self) -> tuple[int | None, int]:
        """The window's logged row and how many frames since were only counted (each
        counted frame is handed out once)."""
        count, self.unlogged = self.unlogged, 0
        if not count or self.logged_row_id is None:
            return None, 0
        return self.logged_row_id, count
