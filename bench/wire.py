"""A lean WebSocket client (RFC 6455) on asyncio.Protocol, for the load generator.

Why not the `websockets` client: one generator process must hold 10,000 sockets and
outpace the server it measures, and the library's per-connection reader task and
stream buffers cost several times the CPU and memory of this callback design. The
framing here is the plain subset a charger uses: masked text frames out; text,
ping, pong and close in. Masking uses the C helper that ships with `websockets`.
"""

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import Callable

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the C extension is in the wheel we pin

    def apply_mask(data: bytes, mask: bytes) -> bytes:
        length = len(data)
        key = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
        return (int.from_bytes(data, "big") ^ key).to_bytes(length, "big")


GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    """The server answered the upgrade with something other than 101 (e.g. 401, 404)."""


def encode_frame(opcode: int, payload: bytes, mask: bytes) -> bytes:
    """One masked, final client frame."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + mask + apply_mask(payload, mask)


def decode_frames(buffer: bytearray) -> tuple[list[tuple[bool, int, bytes]], int]:
    """Parse complete frames from the start of `buffer`: [(fin, opcode, payload)] and how
    many bytes they used. Server frames are unmasked; a masked one is unmasked anyway."""
    frames = []
    offset = 0
    size = len(buffer)
    while size - offset >= 2:
        first, second = buffer[offset], buffer[offset + 1]
        length = second & 0x7F
        position = offset + 2
        if length == 126:
            if size - position < 2:
                break
            (length,) = struct.unpack_from("!H", buffer, position)
            position += 2
        elif length == 127:
            if size - position < 8:
                break
            (length,) = struct.unpack_from("!Q", buffer, position)
            position += 8
        mask = None
        if second & 0x80:
            if size - position < 4:
                break
            mask = bytes(buffer[position : position + 4])
            position += 4
        if size - position < length:
            break
        payload = bytes(buffer[position : position + length])
        if mask:
            payload = apply_mask(payload, mask)
        frames.append((bool(first & 0x80), first & 0x0F, payload))
        offset = position + length
    return frames, offset


def handshake_request(*, host: str, port: int, path: str, key: str, subprotocol: str | None, headers: dict) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def expected_accept(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()  # noqa: S324 - RFC 6455


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class WebSocketClient(asyncio.Protocol):
    """One client socket. `on_message(bytes)` gets every complete text/binary message;
    `opened` resolves after the 101, or fails with HandshakeError/ConnectionError;
    `closed` resolves when the socket is gone."""

    def __init__(
        self, *, host: str, port: int, path: str, subprotocol: str | None, headers: dict, on_message: Callable
    ) -> None:
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self._request = (host, port, path, subprotocol, headers)
        self._on_message = on_message
        self._key = base64.b64encode(os.urandom(16)).decode()
        self._mask = os.urandom(4)
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.is_open = False

    # asyncio callbacks
    def connection_made(self, transport) -> None:
        self.transport = transport
        host, port, path, subprotocol, headers = self._request
        transport.write(
            handshake_request(host=host, port=port, path=path, key=self._key, subprotocol=subprotocol, headers=headers)
        )

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.is_open and not self._finish_handshake():
            return
        frames, used = decode_frames(self._buffer)
        if used:
            del self._buffer[:used]
        for fin, opcode, payload in frames:
            self._handle_frame(fin, opcode, payload)

    def connection_lost(self, exc) -> None:
        self.is_open = False
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    # sending
    def send_text(self, payload: bytes) -> None:
        self.transport.write(encode_frame(OP_TEXT, payload, self._mask))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if self.is_open:
                self.transport.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000), self._mask))
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # internals
    def _finish_handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        status_line, *header_lines = head.split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or parts[1] != "101":
            self.opened.set_exception(HandshakeError(status_line))
            self.transport.close()
            return False
        if headers.get("sec-websocket-accept") != expected_accept(self._key):
            self.opened.set_exception(HandshakeError("bad Sec-WebSocket-Accept"))
            self.transport.close()
            return False
        self.is_open = True
        self.opened.set_result(headers.get("sec-websocket-protocol"))
        return True

    def _handle_frame(self, fin: bool, opcode: int, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
            if not fin:
                self._fragments.append(payload)
                return
            if self._fragments:
                payload = b"".join([*self._fragments, payload])
                self._fragments.clear()
            self._on_message(payload)
        elif opcode == OP_PING:
            self.transport.write(encode_frame(OP_PONG, payload, self._mask))
        elif opcode == OP_CLOSE:
            self.close()


async def connect(
    *,
    host: str,
    port: int,
    path: str,
    on_message: Callable,
    subprotocol: str | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> WebSocketClient:
    """Open a socket and finish the upgrade; raises HandshakeError, OSError or TimeoutError."""
    loop = asyncio.get_running_loop()
    transport, client = await asyncio.wait_for(
        loop.create_connection(
            lambda: WebSocketClient(
                host=host, port=port, path=path, subprotocol=subprotocol, headers=headers or {}, on_message=on_message
            ),
            host,
            port,
        ),
        timeout,
    )
    try:
        await asyncio.wait_for(asyncio.shield(client.opened), timeout)
    except BaseException:
        # The handshake may still fail later; that outcome is no longer anyone's concern.
        client.opened.add_done_callback(lambda future: future.cancelled() or future.exception())
        transport.abort()
        raise
    return client
