"""The portal's one door to billing's read side (contract 7): what a session costs, what a
connector's price is in plain words, the receipt of a finished session."""

from decimal import Decimal

from billing import selectors as billing_selectors


def session_cost_estimate(*, session) -> tuple[Decimal, str] | None:
    """(amount incl. VAT, currency) so far for a running session, the CDR total for a priced one."""
    return billing_selectors.session_cost_estimate(session=session)


def price_description(*, connector, driver=None) -> str | None:
    """The connector's price in plain words with the driver's discount applied, or None."""
    return None


def session_cdr(*, session):
    """The CDR of a completed session, or None."""
    return None
