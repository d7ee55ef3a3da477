"""Reads for the money side: what the gateway, the portal and the API ask billing."""

from django.utils.translation import gettext as _

from drivers.models import Driver


def payment_block_reason(*, driver: Driver | None) -> str | None:
    """Why this driver may not start a session for payment reasons, or None if they may.

    Consulted by token authorization at Authorize/StartTransaction (contract 4); a reason
    makes the answer Blocked. Reads only; never raises for a driver without billing data."""
    if driver is None:
        return None
    if driver.account_status == Driver.AccountStatus.OVERDUE:
        return _("Payment overdue: settle the open invoice to charge again.")
    return None
