"""Serializer fields shared by the API's resources."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MONEY_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?\d+(\.\d+)?$",
    "example": "12.34",
    "description": "Amount in the currency's minor units, as a string; the currency is given beside it.",
}


@extend_schema_field(MONEY_SCHEMA)
class AmountField(serializers.Field):
    """An amount already rounded to its currency's minor unit (money is rounded by billing's
    one rule, billing.money; its MoneyField rounds stored amounts), as a string. Read-only."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return None if value is None else str(value)


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "07:30", "description": "Local time."}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without offset (opening hours, tariff restrictions), as HH:MM."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"])
        super().__init__(**kwargs)
