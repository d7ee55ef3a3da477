"""Maintenance: preventive plans, work orders (service visits and repairs) and the
breakdown reports (drivers.BreakdownReport) that drivers file."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MaintenancePlan(models.Model):
    """Preventive maintenance for every station of one model and/or on one site: a visit
    every N days and/or every N sessions / N MWh delivered since the last visit."""

    name = models.CharField(_("name"), max_length=120)
    site = models.ForeignKey(
        "stations.Site", on_delete=models.CASCADE, related_name="maintenance_plans", null=True, blank=True
    )
    station_vendor = models.CharField(_("station vendor"), max_length=50, blank=True)
    station_model = models.CharField(_("station model"), max_length=50, blank=True)
    every_days = models.PositiveIntegerField(_("every N days"), null=True, blank=True)
    every_sessions = models.PositiveIntegerField(_("every N sessions"), null=True, blank=True)
    every_energy_wh = models.BigIntegerField(
        _("every N Wh delivered"), null=True, blank=True, help_text=_("e.g. 50000000 for 50 MWh")
    )
    lead_days = models.PositiveIntegerField(
        _("create ahead (days)"), default=14, help_text=_("The visit is planned this many days before it is due.")
    )
    usage_lead_percent = models.PositiveSmallIntegerField(
        _("create at % of usage"), default=90, help_text=_("Usage triggers plan the visit at this share of N.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contractor = models.CharField(_("contractor"), max_length=120, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True, help_text=_("A list of steps (strings)."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__isnull=False)
                | Q(every_sessions__isnull=False)
                | Q(every_energy_wh__isnull=False),
                name="plan_has_a_trigger",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False) | ~Q(station_model=""), name="plan_targets_site_or_model"
            ),
            models.CheckConstraint(condition=Q(usage_lead_percent__lte=100), name="plan_usage_lead_percent_range"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    """A service visit (preventive) or a repair (corrective) at one station."""

    class Kind(models.TextChoices):
        PREVENTIVE = "preventive", _("Preventive (service visit)")
        CORRECTIVE = "corrective", _("Corrective (repair)")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.PLANNED, Status.SCHEDULED, Status.IN_PROGRESS)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.PROTECT, related_name="work_orders")
    connectors = models.ManyToManyField(
        "stations.Connector", blank=True, related_name="work_orders", help_text=_("Empty: the whole station.")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    plan = models.ForeignKey(
        MaintenancePlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders"
    )
    incident = models.ForeignKey(
        "stations.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders"
    )
    contractor = models.CharField(_("contractor"), max_length=120, blank=True)
    due_date = models.DateField(_("due date"))
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    set_inoperative = models.BooleanField(
        _("take connectors out of service"),
        default=False,
        help_text=_("ChangeAvailability Inoperative while in progress, Operative when done."),
    )
    notes = models.TextField(_("notes"), blank=True)
    time_spent_minutes = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            # One open visit per plan and station: the planner may run twice.
            models.UniqueConstraint(
                fields=["plan", "station"],
                condition=Q(status__in=["planned", "scheduled", "in_progress"]),
                name="one_open_visit_per_plan_station",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_end__isnull=True)
                | Q(scheduled_start__isnull=True)
                | Q(scheduled_end__gt=models.F("scheduled_start")),
                name="work_order_schedule_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="work_order_due")]

    def __str__(self) -> str:
        return f"WO-{self.pk} {self.title} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class WorkOrderChecklistItem(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checklist_items")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("step"), max_length=200)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["work_order", "position", "id"]

    def __str__(self) -> str:
        return f"{'☑' if self.done else '☐'} {self.text}"


class WorkOrderPart(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("part"), max_length=120)
    part_number = models.CharField(_("part number"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class AvailabilityChange(models.Model):
    """A ChangeAvailability a work order queued, so that 'back to Operative' is sent for
    exactly the connectors it took out, once."""

    class Direction(models.TextChoices):
        INOPERATIVE = "Inoperative", "Inoperative"
        OPERATIVE = "Operative", "Operative"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="availability_changes")
    connector_number = models.PositiveSmallIntegerField(help_text="0 = whole station")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    command = models.ForeignKey("stations.CommandRequest", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "connector_number", "direction"], name="one_availability_change_per_direction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} #{self.connector_number} for WO-{self.work_order_id}"
