from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.countries import CountryRate
from billing.models.fields import currency_field, non_negative_money_field


class Tariff(models.Model):
    """An operator's price list in OCPI 2.2.1 form, attached to one site, station or
    connector (the most specific one in force wins), optionally only for members of a
    plan. The tariff valid when a session starts is the one applied."""

    class TimeStepRounding(models.TextChoices):
        OCPI_CDR = "OCPI_CDR", _("Once for TIME and PARKING_TIME together (OCPI mod_cdrs rule)")
        PER_DIMENSION = "PER_DIMENSION", _("TIME and PARKING_TIME each rounded on their own")

    name = models.CharField(max_length=100)
    operator = models.ForeignKey("stations.Organisation", on_delete=models.PROTECT, related_name="tariffs")
    currency = currency_field()
    site = models.ForeignKey("stations.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="tariffs")
    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, null=True, blank=True, related_name="tariffs"
    )
    connector = models.ForeignKey(
        "stations.Connector", on_delete=models.CASCADE, null=True, blank=True, related_name="tariffs"
    )
    membership_plan = models.ForeignKey(
        "billing.MembershipPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tariffs",
        help_text=_("Empty: the public tariff. Set: applies only to members of this plan."),
    )
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, help_text=_("Exclusive; empty = open-ended."))
    min_price_excl_vat = non_negative_money_field(null=True, blank=True)
    min_price_incl_vat = non_negative_money_field(null=True, blank=True)
    max_price_excl_vat = non_negative_money_field(null=True, blank=True)
    max_price_incl_vat = non_negative_money_field(null=True, blank=True)
    time_step_rounding = models.CharField(
        max_length=16, choices=TimeStepRounding.choices, default=TimeStepRounding.OCPI_CDR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["operator__name", "name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(site__isnull=False, station__isnull=True, connector__isnull=True)
                    | Q(site__isnull=True, station__isnull=False, connector__isnull=True)
                    | Q(site__isnull=True, station__isnull=True, connector__isnull=False)
                ),
                name="tariff_attached_to_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="tariff_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["valid_from", "valid_until"], name="tariff_validity")]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency}, {self.target_label})"

    @property
    def target_label(self) -> str:
        if self.connector_id:
            return f"connector {self.connector}"
        if self.station_id:
            return f"station {self.station}"
        return f"site {self.site}"

    def expected_currency(self) -> str:
        """The currency of the country of the site it prices (CountryRate at valid_from),
        else the operator's."""
        site = self.site or (self.station and self.station.site) or (self.connector and self.connector.station.site)
        rate = site and self.valid_from and CountryRate.in_force(country=site.country, on=self.valid_from.date())
        return rate.currency if rate else self.operator.currency

    def clean(self) -> None:
        errors = {}
        if self.currency not in settings.CURRENCY_PLACES:
            errors["currency"] = _("Unknown currency %(c)s.") % {"c": self.currency}
        elif self.operator_id and self.currency != self.expected_currency():
            errors["currency"] = _("The tariff's currency (%(t)s) differs from its site's (%(o)s).") % {
                "t": self.currency,
                "o": self.expected_currency(),
            }
        targets = [self.site_id, self.station_id, self.connector_id]
        if sum(1 for t in targets if t) != 1:
            errors["site"] = _("Attach the tariff to exactly one site, station or connector.")
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The tariff must end after it starts.")
        for low, high in (("min_price_excl_vat", "max_price_excl_vat"), ("min_price_incl_vat", "max_price_incl_vat")):
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                errors[low] = _("The minimum price is above the maximum price.")
        if errors:
            raise ValidationError(errors)


class TariffElement(models.Model):
    """Price components with the restrictions under which they apply; order matters
    (the first matching element per dimension wins)."""

    class Reservation(models.TextChoices):
        RESERVATION = "RESERVATION", _("Reservation (until charging starts)")
        RESERVATION_EXPIRES = "RESERVATION_EXPIRES", _("Reservation that expired unused")

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="elements")
    position = models.PositiveSmallIntegerField(default=0)
    start_time = models.TimeField(null=True, blank=True, help_text=_("Local time at the site, inclusive."))
    end_time = models.TimeField(null=True, blank=True, help_text=_("Local time, exclusive; before start = overnight."))
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text=_("Exclusive."))
    min_kwh = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    max_kwh = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    min_current = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_current = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    min_power = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="kW")
    max_power = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="kW")
    min_duration = models.PositiveIntegerField(null=True, blank=True, help_text=_("Seconds from session start."))
    max_duration = models.PositiveIntegerField(null=True, blank=True, help_text=_("Seconds from session start."))
    days_of_week = models.JSONField(
        default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday; empty = every day.")
    )
    reservation = models.CharField(
        max_length=20,
        choices=Reservation.choices,
        blank=True,
        help_text=_("Set: the element prices a reservation (FLAT and TIME only), never the charging itself."),
    )

    class Meta:
        ordering = ["tariff", "position", "id"]

    def __str__(self) -> str:
        return f"{self.tariff.name} element {self.position}"

    def clean(self) -> None:
        days = self.days_of_week or []
        if not isinstance(days, list) or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"days_of_week": _("Days of week are numbers 0 (Monday) to 6 (Sunday).")})
        for low, high in (("min_kwh", "max_kwh"), ("min_power", "max_power"), ("min_duration", "max_duration")):
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                raise ValidationError({low: _("The minimum is above the maximum.")})


class PriceComponent(models.Model):
    class Dimension(models.TextChoices):
        ENERGY = "ENERGY", _("Energy (per kWh)")
        TIME = "TIME", _("Charging time (per hour)")
        PARKING_TIME = "PARKING_TIME", _("Parking / idle time (per hour)")
        FLAT = "FLAT", _("Flat fee (per session)")

    element = models.ForeignKey(TariffElement, on_delete=models.CASCADE, related_name="components")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    price = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Excluding VAT, per unit."),
    )
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent; empty = no VAT applicable."),
    )
    step_size = models.PositiveIntegerField(
        default=1, help_text=_("Wh for energy, seconds for times; at least 1, except FLAT (no unit, 0 allowed).")
    )

    class Meta:
        ordering = ["element", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="price_component_price_not_negative"),
            models.CheckConstraint(
                condition=Q(step_size__gte=1) | Q(dimension="FLAT"), name="price_component_step_positive"
            ),
            models.UniqueConstraint(fields=["element", "dimension"], name="one_component_per_dimension_per_element"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.price}"

    def clean(self) -> None:
        if self.step_size is not None and self.step_size < 1 and self.dimension != self.Dimension.FLAT:
            raise ValidationError({"step_size": _("step_size must be at least 1 (0 is allowed for FLAT only).")})
