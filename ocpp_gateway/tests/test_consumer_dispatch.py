"""The consumer's dispatch: each message goes to its handler on the event loop, without
Channels' connection tidy-up on a thread hop of its own (the gateway's database work
tidies its connections in the thread that does it)."""

import pytest

from ocpp_gateway.consumers import OcppConsumer


class Recording(OcppConsumer):
    def __init__(self) -> None:
        super().__init__()
        self.handled: list[dict] = []

    async def ocpp_probe(self, message: dict) -> None:
        self.handled.append(message)


async def test_a_message_reaches_its_handler_without_a_thread_hop(monkeypatch):
    hops = []

    async def tidy_up():
        hops.append("aclose_old_connections")

    monkeypatch.setattr("channels.consumer.aclose_old_connections", tidy_up)
    consumer = Recording()

    await consumer.dispatch({"type": "ocpp.probe", "n": 1})

    assert consumer.handled == [{"type": "ocpp.probe", "n": 1}]
    assert hops == []


async def test_a_message_without_a_handler_is_an_error():
    with pytest.raises(ValueError, match=r"ocpp\.nothing"):
        await Recording().dispatch({"type": "ocpp.nothing"})
