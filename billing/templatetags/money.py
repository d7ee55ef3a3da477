"""`{% load money %}`: amounts as drivers and staff read them, by billing's one rounding rule."""

from decimal import Decimal

from django import template
from django.utils import timezone

from billing import price_words
from billing.money import money_round
from billing.price_words import membership_discount_words, membership_fee_words
from billing.selectors.countries import plan_vat_rate

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """8.0000, "EUR" → "€8.00", "8,00 €" in German and French (rounded to the currency's
    places, like invoices; written by the price words' helper, so the station page, the live
    view and the receipt agree)."""
    if amount is None or amount == "":
        return "–"
    rounded = money_round(Decimal(amount), currency)
    return price_words.money(rounded, currency, places=max(0, -rounded.as_tuple().exponent))


@register.filter
def membership_fee(plan) -> str:
    """A plan's monthly fee as consumers are shown it, including VAT ("€11.78 incl. VAT per
    month"); the words come from billing.price_words, the one place prices are worded."""
    return membership_fee_words(plan=plan, vat_rate=plan_vat_rate(plan=plan, on=timezone.localdate()))


@register.filter
def membership_discount(plan) -> str:
    """A plan's discounts as consumers are shown them, the per-kWh one including VAT."""
    return membership_discount_words(plan=plan, vat_rate=plan_vat_rate(plan=plan, on=timezone.localdate()))
