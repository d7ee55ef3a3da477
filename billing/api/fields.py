"""Serializer fields for money, shared by every app's API (billing owns the rounding rule)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.money import money_round
from config.api.fields import MONEY_SCHEMA


@extend_schema_field(MONEY_SCHEMA)
class MoneyField(serializers.Field):
    """A stored Decimal amount, rounded (billing's one rounding rule) to the places of the
    currency found on the same object, as a string. Read-only."""

    def __init__(self, *, currency_attribute: str = "currency", **kwargs):
        kwargs["read_only"] = True
        self.currency_attribute = currency_attribute
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return super().get_attribute(instance), getattr(instance, self.currency_attribute)

    def to_representation(self, value) -> str | None:
        amount, currency = value
        if amount is None:
            return None
        return str(money_round(Decimal(amount), currency))
