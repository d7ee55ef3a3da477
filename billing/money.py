"""The one place amounts are rounded, and the allocation helper that keeps rounded parts
adding up to a rounded whole.

Rule: ROUND_HALF_UP to the currency's minor units (settings.CURRENCY_PLACES). Prices are
computed exactly and rounded once, at the total; breakdowns (per VAT rate, per invoice
line) are then allocated from that total so that they always add up to it.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ZERO = Decimal("0")


def currency_places(currency: str) -> int:
    try:
        return settings.CURRENCY_PLACES[currency]
    except KeyError:
        raise ValueError(f"Unknown currency {currency!r}; known: {sorted(settings.CURRENCY_PLACES)}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_places(currency))


def money_round(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (2.675 EUR → 2.68, −2.675 → −2.68)."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


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
