"""Domain signals of drivers, for the apps above it (billing) to react to without drivers
knowing them."""

from django.dispatch import Signal

# Sent inside the closing transaction with `driver` (the Driver) and `on` (the local date).
driver_account_closed = Signal()
