"""The one place amounts are rounded, and the allocation helper that keeps rounded parts
adding up to a rounded whole.

Rule: ROUND_HALF_UP to the currency's minor units (settings.CURRENCY_PLACES). Prices are
computed exactly and rounded once, at the total; breakdowns (per VAT rate, per invoice
line) are then allocated from that total so that they always add up to it.

Display rule (admin, analytics, CSV, API, PDF): `money_text`, the rounded amount and never
"-0.00". Database sums go through `stored_sum` first: SQLite sums decimals as floats
("14.7900000000000"); PostgreSQL does not, and both then give the same Decimal.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ZERO = Decimal("0")
STORED = Decimal("0.0001")  # the precision amounts are stored with (billing.models.fields)


def currency_places(currency: str) -> int:
    try:
        return settings.CURRENCY_PLACES[currency]
    except KeyError:
        raise ValueError(f"Unknown currency {currency!r}; known: {sorted(settings.CURRENCY_PLACES)}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_places(currency))


def money_round(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (2.675 EUR → 2.68, −2.675 → −2.68);
    never a negative zero (−0.001 → 0.00)."""
    rounded = Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def money_text(amount, currency: str) -> str:
    """An amount as it is shown anywhere: rounded by the rule above, as a plain string
    ("15.03", never "15.0300" or "-0.00")."""
    return str(money_round(Decimal(str(amount)), currency))


def stored_sum(total) -> Decimal:
    """A database SUM of stored amounts (None for no rows) as an exact Decimal at the
    stored precision, whichever database summed it."""
    exact = Decimal(str(total or 0)).quantize(STORED)
    return exact.copy_abs() if exact.is_zero() else exact


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split a rounded `total` in proportion to `weights` into rounded parts that sum to it
    exactly (largest-remainder method). All-zero weights put everything on the first part."""
    if not weights:
        return []
    unit = quantum(currency)
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        return [total] + [ZERO.quantize(unit)] * (len(weights) - 1)
    exact = [total * w / weight_sum for w in weights]
    floors = [e.quantize(unit, rounding="ROUND_FLOOR") for e in exact]
    remainder_units = int(((total - sum(floors, ZERO)) / unit).to_integral_value())
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in by_remainder[:remainder_units]:
        floors[i] += unit
    return floors
