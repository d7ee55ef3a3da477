"""Template filters for the portal: energy and durations as drivers read them (money is
billing's: `{% load money %}`)."""

from decimal import Decimal

from django import template

register = template.Library()


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
