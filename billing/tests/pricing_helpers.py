"""Builders for pricing inputs in tests: tariffs in OCPI-like shorthand and usage from
(minutes, kWh, charging) steps starting at a local wall-clock time."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.pricing import Component, Element, Restrictions, Segment, TariffSpec, Usage


def component(dimension: str, price: str, vat: str | None = None, step: int = 1) -> Component:
    return Component(dimension, Decimal(price), None if vat is None else Decimal(vat), step)


def element(*components: Component, **restrictions) -> Element:
    return Element(tuple(components), Restrictions(**restrictions))


def tariff(*elements: Element, currency: str = "EUR", **limits) -> TariffSpec:
    return TariffSpec(currency, tuple(elements), **limits)


def usage(start_local: str, steps: list[tuple], zone: str = "Europe/Berlin") -> Usage:
    """steps: (minutes, kwh, charging[, power_kw]) in order from `start_local` (ISO, local)."""
    at = datetime.fromisoformat(start_local).replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))
    started_at, segments = at, []
    for minutes, kwh, charging, *power in steps:
        end = at + timedelta(minutes=minutes)
        segments.append(Segment(at, end, Decimal(str(kwh)) * 1000, charging, Decimal(str(power[0])) if power else None))
        at = end
    return Usage(started_at, tuple(segments), zone)
