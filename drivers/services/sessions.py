"""Drivers' record of which token started a session (stations asks at the start through
stations/authorization.py, inside the session's own transaction)."""

from drivers.models import SessionToken, Token


def session_token_link(*, session, token: Token) -> SessionToken:
    return SessionToken.objects.create(session=session, token=token)
