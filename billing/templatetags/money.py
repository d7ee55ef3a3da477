"""`{% load money %}`: amounts as drivers and staff read them, by billing's one rounding rule."""

from decimal import Decimal

from django import template

from billing.money import money_round

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """8.0000, "EUR" → "8.00 EUR" (rounded to the currency's places, like invoices)."""
    if amount is None or amount == "":
        return "–"
    return f"{money_round(Decimal(amount), currency)} {currency}"
