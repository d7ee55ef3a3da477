"""Writes for the money side, one module per domain (tariffs, cdrs, ledger, invoices,
payments, wallet, memberships, settlements)."""
