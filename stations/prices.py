"""What a session costs and what a connector's price is, for the doors below billing (the
portal's pages in drivers, the API's sessions in stations). Billing sits above both and owns
these rules, so it registers its reader here at start-up (billing.apps); stations and drivers
ask here and never import billing. Without a reader nothing is priced (None, empty)."""

from decimal import Decimal
from typing import NamedTuple, Protocol


class SessionCost(NamedTuple):
    amount: Decimal  # incl. VAT, rounded to the currency's minor unit
    currency: str
    final: bool  # the total of the session's CDR in force, not an estimate


class PriceReader(Protocol):
    def session_cost(self, *, session) -> SessionCost | None: ...

    def session_costs(self, *, sessions) -> dict[int, SessionCost]: ...

    def session_receipt(self, *, session): ...

    def connector_prices(self, *, connectors, driver) -> dict[int, str]: ...


_reader: PriceReader | None = None


def prices_register(reader: PriceReader) -> None:
    global _reader
    _reader = reader


def session_cost(*, session) -> SessionCost | None:
    """The CDR total once the session is priced, else the live estimate (as its CDR would be)."""
    return _reader.session_cost(session=session) if _reader else None


def session_costs(*, sessions) -> dict[int, SessionCost]:
    """{session id: cost} for a page of sessions; those neither priced nor running are absent."""
    return _reader.session_costs(sessions=sessions) if _reader else {}


def session_receipt(*, session):
    """The session's CDR in force (what its receipt shows), or None before pricing."""
    return _reader.session_receipt(session=session) if _reader else None


def connector_prices(*, connectors, driver=None) -> dict[int, str]:
    """{connector pk: its price now in plain words}, at `driver`'s member price if they have
    one; connectors without a tariff are absent."""
    return _reader.connector_prices(connectors=connectors, driver=driver) if _reader else {}
