"""Who may charge is the EMSP's rule (drivers.selectors.tokens.token_authorization);
stations only asks. Drivers registers its authorizer here at start-up (drivers/receivers.py),
so that a session start can ask without stations importing drivers."""

from collections.abc import Callable
from typing import Any, Protocol


class Authorization(Protocol):
    """What a session start needs from the answer: the OCPP AuthorizationStatus, whether it
    is Accepted, and the token it found (None for an unknown idTag)."""

    status: str
    accepted: bool
    token: Any


_authorizer: Callable[..., Authorization] | None = None


def authorizer_register(authorizer: Callable[..., Authorization]) -> None:
    """`authorizer(id_tag=..., station=...)` decides whether the idTag may charge now."""
    global _authorizer
    _authorizer = authorizer


def id_tag_authorize(*, id_tag: str, station=None) -> Authorization:
    if _authorizer is None:
        raise RuntimeError("No token authorizer registered: is the drivers app installed?")
    return _authorizer(id_tag=id_tag, station=station)
