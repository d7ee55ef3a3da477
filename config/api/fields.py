"""Serializer fields shared by the API's resources."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.money import money_round

MONEY_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?\d+(\.\d+)?$",
    "example": "12.34",
    "description": "Amount in the currency's minor units, as a string; the currency is given beside it.",
}


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


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "07:30", "description": "Local time."}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without offset (opening hours, tariff restrictions), as HH:MM."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"])
        super().__init__(**kwargs)
