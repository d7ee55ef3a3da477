from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from billing.models import Account, Entry
from billing.money import stored_sum as _exact


def account_balance(*, account: Account) -> Decimal:
    """Debits minus credits: the sum of the account's entries."""
    return _exact(account.entries.aggregate(total=Sum("amount"))["total"])


def ledger_totals() -> dict[str, Decimal]:
    """Sum of every entry per currency — zero in a healthy ledger."""
    rows = Entry.objects.values("currency").annotate(total=Sum("amount"))
    return {row["currency"]: _exact(row["total"]) for row in rows}


def driver_balance(*, driver, kind: str, currency: str | None = None) -> Decimal:
    currency = currency or settings.DEFAULT_CURRENCY
    total = Entry.objects.filter(account__driver=driver, account__kind=kind, currency=currency).aggregate(
        total=Sum("amount")
    )["total"]
    return _exact(total)


def wallet_balance(*, driver, currency: str | None = None) -> Decimal:
    """What the driver has in the prepaid wallet (the wallet account is our liability,
    so its balance is the negated sum)."""
    return -driver_balance(driver=driver, kind=Account.Kind.DRIVER_WALLET, currency=currency)


def account_statement(*, account: Account):
    """Entries of one account, oldest first, with their transaction."""
    return account.entries.select_related("transaction").order_by("transaction__occurred_at", "id")


def wallet_currencies(*, driver) -> list[str]:
    """The currencies the driver has a wallet in."""
    return sorted(
        Account.objects.filter(driver=driver, kind=Account.Kind.DRIVER_WALLET).values_list("currency", flat=True)
    )
