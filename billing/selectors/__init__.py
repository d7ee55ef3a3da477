"""Reads for the money side: what the gateway, the portal and the API ask billing."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from billing.models import BillingAccount
from billing.selectors.documents import (
    cdrs_for_driver,
    invoices_for_driver,
    invoices_unsent,
    payments_for_driver,
    plans_available,
    sessions_unpriced,
    statements_for_party,
    subscription_for_driver,
)
from billing.selectors.ledger import account_balance, account_statement, ledger_totals, wallet_balance
from billing.selectors.memberships import plan_for_driver
from billing.selectors.session_pricing import session_cost_estimate
from billing.selectors.tariffs import session_usage, tariff_in_force
from drivers.models import Driver

__all__ = [
    "account_balance",
    "account_statement",
    "cdrs_for_driver",
    "invoices_for_driver",
    "invoices_unsent",
    "ledger_totals",
    "payment_block_reason",
    "payments_for_driver",
    "plan_for_driver",
    "plans_available",
    "session_cost_estimate",
    "session_usage",
    "sessions_unpriced",
    "statements_for_party",
    "subscription_for_driver",
    "tariff_in_force",
    "wallet_balance",
    "wallet_threshold",
]


def payment_block_reason(*, driver: Driver | None) -> str | None:
    """Why this driver may not start a session for payment reasons, or None if they may.

    Consulted by token authorization at Authorize/StartTransaction (contract 4); a reason
    makes the answer Blocked. Reads only; never raises for a driver without billing data."""
    if driver is None:
        return None
    if driver.account_status == Driver.AccountStatus.OVERDUE:
        return _("Payment overdue: settle the open invoice to charge again.")
    account = BillingAccount.objects.filter(driver=driver).first()
    if account and account.mode == BillingAccount.Mode.WALLET:
        threshold = wallet_threshold(account=account)
        currency = driver.emsp.currency if driver.emsp_id else settings.DEFAULT_CURRENCY
        balance = wallet_balance(driver=driver, currency=currency)
        if balance < threshold:
            return _("Prepaid balance too low (%(balance)s %(currency)s): top up to charge.") % {
                "balance": balance.quantize(Decimal("0.01")),
                "currency": currency,
            }
    return None


def wallet_threshold(*, account: BillingAccount) -> Decimal:
    """The prepaid balance a wallet driver needs to start a charge."""
    if account.low_balance_threshold is not None:
        return account.low_balance_threshold
    return Decimal(str(settings.BILLING_WALLET_MIN_BALANCE))
