from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


def money_field(**kwargs) -> models.DecimalField:
    """Amounts as stored: 4 places so that exact intermediate values survive; rounded
    totals are always rounded with billing.money before they are stored."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 4)
    return models.DecimalField(**kwargs)


def non_negative_money_field(**kwargs) -> models.DecimalField:
    return money_field(validators=[MinValueValidator(Decimal("0"))], **kwargs)


def currency_field(**kwargs) -> models.CharField:
    return models.CharField(max_length=3, **kwargs)
