"""The drain's schedule, with stand-in sockets and the pauses recorded instead of slept:
batches of the configured size, the window divided between them, each socket closed once.
The live behaviour (real processes, HAProxy, chargers) is in config/tests/test_scale_out.py."""

import asyncio

import pytest

from ocpp_gateway import drain as drain_module
from ocpp_gateway.drain import ProcessDrain


class StandInSocket:
    def __init__(self, events: list) -> None:
        self.events = events

    async def drain_close(self) -> None:
        self.events.append("close")


@pytest.fixture
def events(monkeypatch):
    recorded: list = []

    async def pause(seconds):
        recorded.append(("pause", round(seconds, 3)))

    monkeypatch.setattr(drain_module.asyncio, "sleep", pause)
    return recorded


def test_sockets_close_in_batches_with_the_window_divided_between_them(events):
    drain = ProcessDrain()
    for _ in range(7):
        drain.add(StandInSocket(events))

    report = asyncio.run(drain.run(window_seconds=9, batch_size=3))

    assert drain.active is True
    assert (report.sockets, report.batches) == (7, 3)
    assert events == [*["close"] * 3, ("pause", 3.0), *["close"] * 3, ("pause", 3.0), "close"]


def test_a_process_without_sockets_drains_at_once(events):
    report = asyncio.run(ProcessDrain().run(window_seconds=5, batch_size=10))

    assert (report.sockets, report.batches) == (0, 0)
    assert events == []


def test_a_socket_gone_before_the_drain_is_not_closed(events):
    drain = ProcessDrain()
    gone = StandInSocket(events)
    drain.add(gone)
    drain.add(StandInSocket(events))
    drain.discard(gone)

    report = asyncio.run(drain.run(window_seconds=0, batch_size=1))

    assert report.sockets == 1
    assert events == ["close"]
