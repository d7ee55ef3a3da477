"""Billing's domain events, on the stations' convention (stations/signals.py): sent from
`transaction.on_commit` with ids only; receivers call a service or enqueue a task and are
idempotent."""

from django.db import transaction
from django.dispatch import Signal

# kwargs: cdr_ids (list of int): CDRs that became final (posted to the ledger), of any kind;
# roaming pushes a partner token's CDR to its EMSP at once rather than at the next sweep.
cdrs_released = Signal()
# kwargs: tariff_id: a tariff was created (tariffs are replaced, never edited); roaming
# gives it to partner networks that receive our Tariffs.
tariff_created = Signal()


def cdrs_released_send(cdr_ids: list[int]) -> None:
    """Announce after the caller's commit (at once outside a transaction)."""
    if cdr_ids:
        ids = list(cdr_ids)
        transaction.on_commit(lambda: cdrs_released.send(sender="billing", cdr_ids=ids))


def tariff_created_send(tariff_id: int) -> None:
    transaction.on_commit(lambda: tariff_created.send(sender="billing", tariff_id=tariff_id))
