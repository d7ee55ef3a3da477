"""Template filters for the portal: money and energy as drivers read them."""

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


@register.filter
def kwh(energy_wh) -> str:
    """20000 → "20.00" (kWh)."""
    return f"{Decimal(energy_wh or 0) / 1000:.2f}"


@register.filter
def duration(seconds) -> str:
    """3900 → "1 h 05 min"; 300 → "5 min"."""
    minutes = round(int(seconds or 0) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
