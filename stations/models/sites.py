from django.db import models
from django.db.models import Q

from stations.validators import validate_latitude, validate_longitude, validate_time_zone


class Site(models.Model):
    """A location drivers can find: an address with coordinates, its own time zone (for
    opening hours and tariff restrictions) and one or more stations."""

    name = models.CharField(max_length=200)
    operator = models.ForeignKey(
        "stations.Organisation", on_delete=models.PROTECT, related_name="sites", limit_choices_to={"is_operator": True}
    )
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, validators=[validate_latitude])
    longitude = models.DecimalField(max_digits=9, decimal_places=6, validators=[validate_longitude])
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text="IANA zone, e.g. Europe/Berlin"
    )
    is_open_24_7 = models.BooleanField(default=True, help_text="Untick to use the opening hours below.")
    parking_notes = models.TextField(blank=True)
    access_notes = models.TextField(blank=True)
    photo = models.ImageField(upload_to="sites/", blank=True)
    is_published = models.BooleanField(
        default=True,
        help_text="Shown to drivers and partners. A site from the pipeline is published at commissioning.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="site_coordinates")]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="site_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180), name="site_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class OpeningHours(models.Model):
    """One opening interval on one weekday, in the site's local time. Several rows per
    weekday express a lunch break; a closing time before the opening time runs past
    midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["site", "weekday", "opens_at"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=~Q(opens_at=models.F("closes_at")), name="opening_interval_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"
