"""A semaphore per event loop, sized from settings when first used.

asyncio primitives belong to one loop; a test suite (and a restarted server in the same
interpreter) runs several loops one after another, so the semaphore is re-created when
the running loop changes."""

import asyncio
from collections.abc import Callable


class LoopSemaphore:
    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None

    def get(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self._size())
        return self._semaphore
