"""Who may charge is the EMSP's rule (drivers.selectors.tokens.token_authorization);
stations only asks. Drivers registers its authorizer here at start-up (drivers/receivers.py),
so that a session start can ask without stations importing drivers."""

from collections.abc import Callable
from typing import Any, Protocol

from django.db.models import Q


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


# Which token started a session is drivers' record (drivers.SessionToken), not a column of
# the session: drivers registers how to record it and how to find a driver's sessions.
_session_token_recorder: Callable[..., None] | None = None
_driver_session_filter: Callable[..., Q] | None = None


def session_token_recorder_register(recorder: Callable[..., None]) -> None:
    """`recorder(session=..., token=...)` links a new session to the token that started it."""
    global _session_token_recorder
    _session_token_recorder = recorder


def session_token_record(*, session, token) -> None:
    if token is not None and _session_token_recorder is not None:
        _session_token_recorder(session=session, token=token)


def driver_session_filter_register(session_filter: Callable[..., Q]) -> None:
    """`session_filter(user=...)` is a Q on ChargingSession: the sessions of the user's tokens."""
    global _driver_session_filter
    _driver_session_filter = session_filter


def driver_session_filter(*, user) -> Q:
    """The sessions a user charged as a driver; none when drivers is not installed."""
    if _driver_session_filter is None:
        return Q(pk__in=[])
    return _driver_session_filter(user=user)
