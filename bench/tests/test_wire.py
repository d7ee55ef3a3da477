"""The generator's own WebSocket framing and HTTP parsing, and that it interoperates
with a real `websockets` server over loopback."""

import asyncio
import os

import pytest
from websockets.asyncio.server import serve

from bench import httpclient, wire


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_a_masked_frame_decodes_to_its_payload_at_every_length_boundary(size):
    payload = os.urandom(size)
    frame = wire.encode_frame(wire.OP_TEXT, payload, b"\x01\x02\x03\x04")
    frames, used = wire.decode_frames(bytearray(frame))
    assert frames == [(True, wire.OP_TEXT, payload)]
    assert used == len(frame)


def test_an_incomplete_frame_waits_for_more_bytes():
    frame = wire.encode_frame(wire.OP_TEXT, b"x" * 300, b"abcd")
    frames, used = wire.decode_frames(bytearray(frame[:-1]))
    assert (frames, used) == ([], 0)
    frames, used = wire.decode_frames(bytearray(frame + frame[:3]))
    assert len(frames) == 1
    assert used == len(frame)


def test_accept_key_matches_the_rfc_6455_example():
    assert wire.expected_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_http_response_is_complete_only_with_its_whole_body():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n"
    assert httpclient.parse_response(bytearray(head + b'{"status": "ok')) is None
    assert httpclient.parse_response(bytearray(head + b'{"status": "ok"}extra')) == (200, len(head) + 15)
    with pytest.raises(ValueError, match="Content-Length"):
        httpclient.parse_response(bytearray(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))


async def test_client_talks_to_a_real_websockets_server_and_answers_its_pings():
    received = asyncio.Queue()

    async def handler(connection):
        assert connection.request.headers["Authorization"] == wire.basic_auth("CP1", "secret-password-123")
        pong = await connection.ping()
        await asyncio.wait_for(pong, 5)
        async for message in connection:
            await connection.send(message.upper())

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:
        port = server.sockets[0].getsockname()[1]
        client = await wire.connect(
            host="127.0.0.1",
            port=port,
            path="/ocpp/CP1",
            subprotocol="ocpp1.6",
            headers={"Authorization": wire.basic_auth("CP1", "secret-password-123")},
            on_message=received.put_nowait,
            timeout=5,
        )
        assert client.opened.result() == "ocpp1.6"
        big = b"y" * 70000
        client.send_text(b"hello")
        client.send_text(big)
        assert await asyncio.wait_for(received.get(), 5) == b"HELLO"
        assert await asyncio.wait_for(received.get(), 5) == big.upper()
        client.close()
        await asyncio.wait_for(client.closed, 5)


async def test_a_refused_upgrade_raises_handshake_error():
    async def reject(connection, request):
        return connection.respond(401, "no\n")

    async with serve(lambda connection: None, "127.0.0.1", 0, process_request=reject) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(wire.HandshakeError, match="401"):
            await wire.connect(host="127.0.0.1", port=port, path="/", on_message=print, timeout=5)
