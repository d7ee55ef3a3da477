"""The OCPP versions the gateway speaks, highest first: a client offering several gets
the highest both sides speak. A new version is a further `Protocol` module added to
PROTOCOLS; nothing else changes."""

from ocpp_gateway.protocols.base import Protocol
from ocpp_gateway.protocols.v16 import PROTOCOL as OCPP16
from ocpp_gateway.protocols.v21 import PROTOCOL as OCPP21
from ocpp_gateway.protocols.v201 import PROTOCOL as OCPP201

PROTOCOLS: list[Protocol] = [OCPP21, OCPP201, OCPP16]
BY_SUBPROTOCOL: dict[str, Protocol] = {protocol.subprotocol: protocol for protocol in PROTOCOLS}


def select(offered: list[str]) -> tuple[Protocol, str] | None:
    """The protocol to speak with a client offering `offered` subprotocols (the highest
    version both speak, whatever the client's order) and the offered name to echo, or
    None when it offers none we speak. Names match case-insensitively, but the echo is
    the client's own spelling: RFC 6455 has the server answer with one of the client's
    values, and clients (websockets, Node `ws`) refuse any other."""
    for protocol in PROTOCOLS:
        for name in offered:
            if name.strip().lower() == protocol.subprotocol:
                return protocol, name
    return None


def for_station(ocpp_protocol: str) -> Protocol:
    """The protocol module for the version a station last spoke (1.6 if unknown)."""
    return BY_SUBPROTOCOL.get(ocpp_protocol, OCPP16)
