"""Candidate sites and their stages, from survey to live. A candidate becomes a Site
(unpublished) when installation starts, and goes live when its commissioning checklist
is complete and the site is published."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stations.validators import validate_latitude, validate_longitude, validate_time_zone


class Stage(models.TextChoices):
    SURVEY = "survey", _("Survey")
    LANDLORD = "landlord", _("Landlord agreement")
    PERMIT = "permit", _("Permit")
    GRID = "grid", _("Grid connection")
    INSTALLATION = "installation", _("Installation")
    COMMISSIONING = "commissioning", _("Commissioning")
    LIVE = "live", _("Live")


# The order a candidate moves through; LIVE is where it ends, not a stage to complete.
STAGE_ORDER = [Stage.SURVEY, Stage.LANDLORD, Stage.PERMIT, Stage.GRID, Stage.INSTALLATION, Stage.COMMISSIONING]


class CandidateSite(models.Model):
    """A location we might build on, with what we know of its lease, grid and demand."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("In progress")
        LIVE = "live", _("Live")
        DROPPED = "dropped", _("Dropped")

    name = models.CharField(max_length=200)
    operator = models.ForeignKey(
        "stations.Organisation",
        on_delete=models.PROTECT,
        related_name="candidate_sites",
        limit_choices_to={"is_operator": True},
    )
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, validators=[validate_latitude])
    longitude = models.DecimalField(max_digits=9, decimal_places=6, validators=[validate_longitude])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone], help_text="IANA zone")
    landlord_name = models.CharField(max_length=200, blank=True)
    landlord_contact = models.CharField(max_length=200, blank=True)
    lease_start = models.DateField(null=True, blank=True)
    lease_years = models.PositiveSmallIntegerField(null=True, blank=True)
    lease_rent_per_year = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text="Of the rent and the grid cost.")
    grid_capacity_kw = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    grid_connection_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    planned_connectors = models.PositiveSmallIntegerField(default=2)
    planned_power_kw = models.DecimalField(max_digits=6, decimal_places=1, default=22, help_text="Per connector.")
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text="Residents within the catchment, as staff found it."
    )
    daily_traffic = models.PositiveIntegerField(
        null=True, blank=True, help_text="Vehicles passing per day (a traffic count staff entered)."
    )
    expected_sessions_per_day = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Staff's own expectation."
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.SURVEY)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    site = models.OneToOneField(
        "stations.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidate",
        help_text="Created, unpublished, when installation starts.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="candidate_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180), name="candidate_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city} ({self.get_stage_display()})"


class PipelineStage(models.Model):
    """One stage of one candidate: who owns it, when it is due, when it was done."""

    candidate = models.ForeignKey(CandidateSite, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    reminded_on = models.DateField(null=True, blank=True, help_text="Last day its owner was reminded.")

    class Meta:
        ordering = ["candidate", "due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["candidate", "stage"], name="one_row_per_candidate_stage")]
        indexes = [models.Index(fields=["completed_at", "due_on"], name="pipeline_stage_due")]

    def __str__(self) -> str:
        return f"{self.candidate.name}: {self.get_stage_display()}"

    @property
    def position(self) -> int:
        return STAGE_ORDER.index(self.stage)
