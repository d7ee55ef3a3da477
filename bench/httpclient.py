"""A keep-alive HTTP/1.1 GET client on asyncio.Protocol for the ASGI server comparison:
one request in flight per connection, responses framed by Content-Length."""

import asyncio
import time


def get_request(*, host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()


def parse_response(buffer: bytearray) -> tuple[int, int] | None:
    """(status, total length of head + body) once a whole response is in `buffer`, else
    None. Raises ValueError for a response without Content-Length (chunked)."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length = None
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError("response without Content-Length")
    total = end + 4 + length
    return (status, total) if len(buffer) >= total else None


class HttpConnection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.is_open = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.is_open = True

    def connection_lost(self, exc) -> None:
        self.is_open = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            parsed = parse_response(self.buffer)
        except ValueError as error:
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(error)
            return
        if parsed is not None and self.waiter is not None and not self.waiter.done():
            del self.buffer[: parsed[1]]
            self.waiter.set_result(parsed[0])

    async def request(self, raw: bytes, *, recorder, action: str, timeout: float = 30) -> int:
        """Send one request and wait for its response; non-2xx counts as a failure."""
        self.waiter = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self.transport.write(raw)
        recorder.sent += 1
        try:
            status = await asyncio.wait_for(self.waiter, timeout)
        except TimeoutError:
            recorder.failure("timeout")
            raise ConnectionError("timeout") from None
        except (ConnectionError, ValueError) as error:
            recorder.failure(type(error).__name__)
            raise ConnectionError(str(error)) from error
        if 200 <= status < 300:
            recorder.round_trip(action, time.perf_counter() - started)
        else:
            recorder.failure(f"http_{status}")
        return status

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(*, host: str, port: int) -> HttpConnection:
    _transport, connection = await asyncio.get_running_loop().create_connection(HttpConnection, host, port)
    return connection
