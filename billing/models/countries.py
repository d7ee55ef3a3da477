from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.fields import currency_field


class CountryRate(models.Model):
    """A country's currency and standard VAT rate from `valid_from` on. The row with the
    latest `valid_from` on or before a day is in force that day, so a VAT change is a new
    row: sessions are taxed by the site-local date they started, documents by their date.
    A site whose country has no row is priced in its operator's currency at the rates its
    tariff states."""

    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. DE, GB."))
    currency = currency_field()
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Standard VAT rate in percent."),
    )
    valid_from = models.DateField(help_text=_("In force from this day until the next row of the country."))

    class Meta:
        ordering = ["country", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "valid_from"], name="country_rate_one_per_start"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="country_rate_vat_range"),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.currency}, VAT {self.vat_rate} % from {self.valid_from}"

    def clean(self) -> None:
        if not (len(self.country or "") == 2 and self.country.isalpha() and self.country.isupper()):
            raise ValidationError({"country": _("Two capital letters (ISO 3166-1 alpha-2).")})
        if self.currency not in settings.CURRENCY_PLACES:
            raise ValidationError({"currency": _("Unknown currency %(c)s.") % {"c": self.currency}})

    @classmethod
    def in_force(cls, *, country: str, on: date) -> "CountryRate | None":
        return cls.objects.filter(country=country, valid_from__lte=on).order_by("-valid_from").first()
