"""connecting_gate answers the handshake 503 while the process is full, before Channels
builds a consumer; refusals are logged as a count per window, not a line per charger.
(test_connecting_limit.py has the same refusal through a real server.)"""

import logging

import pytest

from ocpp_gateway import connecting
from ocpp_gateway.connecting import connecting_gate, connecting_limit

SCOPE = {"type": "websocket", "path": "/ocpp/CP-1", "extensions": {"websocket.http.response": {}}}


@pytest.fixture
def limit_of_one(settings):
    settings.OCPP_MAX_CONNECTING = 1
    held, refused = connecting_limit.held, connecting_limit.refused
    yield connecting_limit
    connecting_limit.held, connecting_limit.refused = held, refused


async def _through_gate(scope: dict):
    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    await connecting_gate(app)(scope, receive, send)
    return reached, sent


async def test_a_full_process_answers_503_before_the_consumer(limit_of_one):
    limit_of_one.held = 1
    reached, sent = await _through_gate(SCOPE)
    assert reached == []
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 503
    assert (b"retry-after", b"5") in sent[0]["headers"]
    assert sent[1]["body"] == connecting.REFUSAL.encode()
    assert limit_of_one.held == 1  # the gate takes no slot


async def test_a_process_with_room_hands_the_socket_to_the_consumer(limit_of_one):
    limit_of_one.held = 0
    reached, sent = await _through_gate(SCOPE)
    assert reached == ["/ocpp/CP-1"]
    assert sent == []


async def test_http_passes_whatever_the_limit(limit_of_one):
    limit_of_one.held = 1
    reached, _ = await _through_gate({"type": "http", "path": "/healthz"})
    assert reached == ["/healthz"]


def test_refusals_are_logged_as_a_count_per_window(monkeypatch, caplog, limit_of_one):
    clock = iter([1000.0, 1001.0, 1002.0, 1000.0 + connecting.REFUSAL_LOG_SECONDS + 1])
    monkeypatch.setattr(connecting.time, "monotonic", lambda: next(clock))
    limit_of_one.refused, limit_of_one.refused_logged_at = 0, 0.0
    with caplog.at_level(logging.INFO, logger="ocpp_gateway.connecting"):
        for _ in range(4):
            limit_of_one.note_refused()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("refused 1 charger(s) with 503")
    assert lines[1].startswith("refused 3 charger(s) with 503")
