"""Reads for the money side: what the gateway, the portal and the API ask billing."""

import logging
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import pricing
from billing.models import BillingAccount
from billing.selectors.documents import (
    cdrs_for_driver,
    invoices_for_driver,
    payments_for_driver,
    plans_available,
    sessions_unpriced,
    statements_for_party,
    subscription_for_driver,
)
from billing.selectors.ledger import account_balance, account_statement, ledger_totals, wallet_balance
from billing.selectors.memberships import plan_for_driver
from billing.selectors.tariffs import session_usage, tariff_in_force
from drivers.models import Driver

logger = logging.getLogger(__name__)

__all__ = [
    "account_balance",
    "account_statement",
    "cdrs_for_driver",
    "invoices_for_driver",
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
        threshold = account.low_balance_threshold
        if threshold is None:
            threshold = Decimal(str(settings.BILLING_WALLET_MIN_BALANCE))
        currency = driver.emsp.currency if driver.emsp_id else settings.DEFAULT_CURRENCY
        balance = wallet_balance(driver=driver, currency=currency)
        if balance < threshold:
            return _("Prepaid balance too low (%(balance)s %(currency)s): top up to charge.") % {
                "balance": balance.quantize(Decimal("0.01")),
                "currency": currency,
            }
    return None


def session_cost_estimate(*, session) -> tuple[Decimal, str]:
    """The running session's price so far, incl. VAT, from its latest meter value and the
    tariff in force at its start (contract 7). A completed session returns its CDR total
    if it has been priced. No tariff: zero in the operator's currency. Never writes."""
    from billing.models import ChargeDetailRecord

    cdr = (
        ChargeDetailRecord.objects.filter(session=session, kind=ChargeDetailRecord.Kind.CHARGE)
        .order_by("-revision")
        .first()
    )
    if cdr is not None:
        return cdr.total_incl_vat, cdr.currency
    station = session.station
    operator = station.operator
    currency = operator.currency if operator else settings.DEFAULT_CURRENCY
    driver = session.token.driver if session.token_id else None
    zone = station.site.time_zone if station.site_id else (operator.time_zone if operator else "UTC")
    plan = plan_for_driver(driver=driver, on=session.started_at.date()) if driver else None
    tariff = tariff_in_force(station=station, connector=session.connector, at=session.started_at, plan=plan)
    if tariff is None:
        return Decimal("0").quantize(Decimal(1).scaleb(-settings.CURRENCY_PLACES.get(currency, 2))), currency
    from billing.services.tariffs import tariff_spec

    until = session.stopped_at or max(session.last_meter_at or session.started_at, session.started_at)
    if session.stopped_at is None:
        until = max(until, timezone.now())
    usage = session_usage(session=session, until=until, time_zone=zone)
    try:
        result = pricing.price_session(tariff=tariff_spec(tariff=tariff), usage=usage)
    except pricing.TariffError:
        logger.exception("Tariff %s cannot price session %s", tariff.pk, session.pk)
        return Decimal("0").quantize(Decimal(1).scaleb(-settings.CURRENCY_PLACES.get(currency, 2))), currency
    return result.total_incl_vat, tariff.currency
