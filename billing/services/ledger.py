"""The double-entry ledger: accounts and balanced, append-only, idempotent postings."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from billing.models import Account, Entry, LedgerTransaction


class LedgerError(ValueError):
    """Postings that would unbalance the ledger (never written)."""


def account_get(*, kind: str, currency: str, organisation=None, driver=None) -> Account:
    """The account for (kind, party, currency), created on first use. Safe under races."""
    key = Account.make_key(
        kind=kind,
        organisation_id=organisation.pk if organisation else None,
        driver_id=driver.pk if driver else None,
        currency=currency,
    )
    account, _ = Account.objects.get_or_create(
        key=key, defaults={"kind": kind, "currency": currency, "organisation": organisation, "driver": driver}
    )
    return account


def transaction_post(
    *,
    reference: str,
    kind: str,
    occurred_at: datetime,
    postings: list[tuple[Account, Decimal]],
    description: str = "",
) -> tuple[LedgerTransaction, bool]:
    """Post balanced entries once per `reference`. Returns (transaction, created).

    Idempotent: a second call with the same reference returns the first transaction and
    writes nothing. Raises LedgerError if the amounts do not sum to zero per currency.
    Zero amounts are dropped."""
    postings = [(account, Decimal(amount)) for account, amount in postings if Decimal(amount) != 0]
    totals: dict[str, Decimal] = {}
    for account, amount in postings:
        totals[account.currency] = totals.get(account.currency, Decimal(0)) + amount
    if any(total != 0 for total in totals.values()):
        raise LedgerError(f"Postings for {reference} do not balance: {totals}")
    try:
        with transaction.atomic():
            ledger_tx = LedgerTransaction.objects.create(
                reference=reference, kind=kind, occurred_at=occurred_at, description=description[:255]
            )
            Entry.objects.bulk_create(
                Entry(transaction=ledger_tx, account=account, amount=amount, currency=account.currency)
                for account, amount in postings
            )
    except IntegrityError:
        # Posted before (a replay) or by a concurrent worker: the reference is unique.
        return LedgerTransaction.objects.get(reference=reference), False
    return ledger_tx, True


def accounts_get(*, specs: list[tuple[str, str, object, object]]) -> dict[str, Account]:
    """Accounts for many (kind, currency, organisation, driver) at once, keyed by
    Account.key: one query for those that exist, creation for the rest."""
    wanted = {}
    for kind, currency, organisation, driver in specs:
        key = Account.make_key(
            kind=kind,
            organisation_id=organisation.pk if organisation else None,
            driver_id=driver.pk if driver else None,
            currency=currency,
        )
        wanted[key] = (kind, currency, organisation, driver)
    found = {account.key: account for account in Account.objects.filter(key__in=list(wanted))}
    for key, (kind, currency, organisation, driver) in wanted.items():
        if key not in found:
            found[key] = account_get(kind=kind, currency=currency, organisation=organisation, driver=driver)
    return found


def entries_insert(entries: list[Entry]) -> None:
    """Write many entries of already-balanced transactions at once. On PostgreSQL through
    COPY: bulk pricing writes five entries per CDR, and building them as a multi-row
    INSERT cost more CPU than pricing the session (docs/benchmarks.md, billing profile)."""
    if connection.vendor != "postgresql":
        Entry.objects.bulk_create(entries)
        return
    columns = ("transaction_id", "account_id", "amount", "currency")
    statement = f"COPY {Entry._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for entry in entries:
            copy.write_row((entry.transaction_id, entry.account_id, entry.amount, entry.currency))
