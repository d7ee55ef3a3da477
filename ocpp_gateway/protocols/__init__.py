"""The OCPP versions the gateway speaks, in order of preference. A new version (2.0.1, 2.1)
is a further `Protocol` module added to PROTOCOLS; nothing else changes."""

from ocpp_gateway.protocols.base import Protocol
from ocpp_gateway.protocols.v16 import PROTOCOL as OCPP16

PROTOCOLS: list[Protocol] = [OCPP16]
BY_SUBPROTOCOL: dict[str, Protocol] = {protocol.subprotocol: protocol for protocol in PROTOCOLS}


def select(offered: list[str]) -> tuple[Protocol, str] | None:
    """The protocol to speak with a client offering `offered` subprotocols (our preference
    wins) and the offered name to echo, or None when it offers none we speak. Names match
    case-insensitively, but the echo is the client's own spelling: RFC 6455 has the server
    answer with one of the client's values, and clients (websockets, Node `ws`) refuse
    any other."""
    for protocol in PROTOCOLS:
        for name in offered:
            if name.strip().lower() == protocol.subprotocol:
                return protocol, name
    return None


def for_station(ocpp_protocol: str) -> Protocol:
    """The protocol module for a station's configured version (1.6 until others exist)."""
    return BY_SUBPROTOCOL.get(ocpp_protocol, OCPP16)
