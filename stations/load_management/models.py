"""Site load management's nouns: a site's policy, its tree of capacity limits (with limits
by time of day and a live signal of other building load), each connector's electrical
facts, each session's allocation and the event log (docs/smart-charging.md)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class SiteLoadPolicy(models.Model):
    """Load management is on for a site that has a policy with `enabled`."""

    site = models.OneToOneField("stations.Site", on_delete=models.CASCADE, related_name="load_policy")
    enabled = models.BooleanField(default=True)
    voltage = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("230.0"), help_text="Phase-to-neutral voltage, V."
    )
    safety_margin_percent = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("5.0"),
        validators=[MinValueValidator(0), MaxValueValidator(50)],
        help_text="Kept free below every limit of the tree.",
    )
    hysteresis_a = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(0)],
        help_text="A raised limit is sent only when it rose by more than this (A; ×3×voltage W for DC); "
        "a lowered one is always sent.",
    )

    class FailSafe(models.TextChoices):
        SHARE = "share", "Share: each station's part of the site if every connector charged at once"
        PAUSE = "pause", "Pause: 0 A until the session's own limit arrives (never above the limit, even briefly)"

    fail_safe = models.CharField(
        max_length=8,
        choices=FailSafe.choices,
        default=FailSafe.SHARE,
        help_text="The default each station keeps for when it loses us, and where a new session starts.",
    )
    signal_max_age_seconds = models.PositiveIntegerField(
        default=300, help_text="An other-load signal older than this is replaced by its node's fallback."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site load policies"

    def __str__(self) -> str:
        return f"Load policy of {self.site}"


class LoadNode(models.Model):
    """One level of a site's capacity tree: the grid connection (no parent), a feeder or
    circuit, or a station (`station` set; its sessions hang below it). A node without a
    limit only groups. Limits apply per phase (A) and/or in total (kW)."""

    class Kind(models.TextChoices):
        GRID = "grid", "Grid connection"
        FEEDER = "feeder", "Feeder / circuit"
        STATION = "station", "Station"

    class Signal(models.TextChoices):
        NONE = "none", "None"
        API = "api", "Posted to the API"
        METER = "meter", "Read from a meter (MeterValues on connector 0 of a station)"

    site = models.ForeignKey("stations.Site", on_delete=models.CASCADE, related_name="load_nodes")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FEEDER)
    station = models.OneToOneField(
        "stations.ChargingStation", on_delete=models.CASCADE, null=True, blank=True, related_name="load_node"
    )
    max_current_a = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Per phase, A.",
        validators=[MinValueValidator(0)],
    )
    max_power_kw = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Total, kW.", validators=[MinValueValidator(0)]
    )
    signal = models.CharField(max_length=8, choices=Signal.choices, default=Signal.NONE)
    meter_station = models.ForeignKey(
        "stations.ChargingStation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="`meter` signal: the station whose connector-0 Current.Import per phase is the other load.",
    )
    other_load_l1_a = models.DecimalField(max_digits=7, decimal_places=1, default=Decimal("0"))
    other_load_l2_a = models.DecimalField(max_digits=7, decimal_places=1, default=Decimal("0"))
    other_load_l3_a = models.DecimalField(max_digits=7, decimal_places=1, default=Decimal("0"))
    other_load_at = models.DateTimeField(null=True, blank=True, help_text="When the signal was last measured.")
    fallback_load_a = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        default=Decimal("0"),
        help_text="Other load assumed on each phase while the signal is missing or stale.",
    )

    class Meta:
        ordering = ["site", "parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site"], condition=Q(parent=None), name="one_grid_node_per_site"),
            models.CheckConstraint(
                condition=~Q(kind="station") | Q(station__isnull=False), name="station_node_names_it"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class LoadWindow(models.Model):
    """A node's limits during a time of day (site local time; an end before the start runs
    past midnight), e.g. more capacity at night. Outside every window the node's own limits
    apply; inside, the window's (an empty field keeps the node's)."""

    node = models.ForeignKey(LoadNode, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    max_current_a = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    max_power_kw = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["node", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(starts_at=models.F("ends_at")), name="load_window_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ConnectorElectrics(models.Model):
    """What the allocator must know of a connector beyond its power type and maximum
    power (without a row: 6 A minimum, the maximum from max_power_kw, L1 for single phase)."""

    class Phase(models.IntegerChoices):
        L1 = 0, "L1"
        L2 = 1, "L2"
        L3 = 2, "L3"

    connector = models.OneToOneField("stations.Connector", on_delete=models.CASCADE, related_name="electrics")
    min_current_a = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("6.0"))
    max_current_a = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="AC; empty: from max_power_kw."
    )
    min_power_kw = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"), help_text="DC.")
    phase_rotation = models.PositiveSmallIntegerField(
        choices=Phase.choices,
        default=Phase.L1,
        help_text="Single phase: the grid phase the connector's L1 is wired to.",
    )

    class Meta:
        verbose_name_plural = "connector electrics"

    def __str__(self) -> str:
        return f"Electrics of {self.connector_id}"


class SessionAllocation(models.Model):
    """A session's current share and what its charger was last told."""

    class Unit(models.TextChoices):
        AMPERE = "A", "A per phase"
        WATT = "W", "W"

    session = models.OneToOneField("stations.ChargingSession", on_delete=models.CASCADE, related_name="allocation")
    site = models.ForeignKey("stations.Site", on_delete=models.CASCADE, related_name="allocations")
    unit = models.CharField(max_length=1, choices=Unit.choices)
    limit = models.DecimalField(max_digits=9, decimal_places=1)
    reason = models.CharField(max_length=120, blank=True)
    sent_limit = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_reduction = models.BooleanField(
        default=False, help_text="The last limit sent lowered the session: increases wait until it is answered."
    )
    controlled = models.BooleanField(default=True, help_text="False: the charger rejected or ignored its profile.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.session_id}: {self.limit} {self.unit}"

    @property
    def is_reduced(self) -> bool:
        """Held below what the EV could take because the site is full (not because the EV
        draws less or is suspended)."""
        return self.controlled and (self.limit == 0 or self.reason.startswith("fair share"))


class StationFailSafe(models.Model):
    """The TxDefaultProfile a station keeps for when it loses us."""

    station = models.OneToOneField("stations.ChargingStation", on_delete=models.CASCADE, related_name="fail_safe")
    unit = models.CharField(max_length=1, choices=SessionAllocation.Unit.choices)
    limit = models.DecimalField(max_digits=9, decimal_places=1)
    command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.station_id}: {self.limit} {self.unit}"


class LoadEvent(models.Model):
    """The event log: each allocation round (with the figures the ops chart draws) and
    each profile sent or refused."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Allocation"
        PROFILE_SENT = "profile_sent", "Session limit sent"
        DEFAULT_SENT = "default_sent", "Fail-safe default sent"
        PROFILE_REFUSED = "profile_refused", "Limit refused or unanswered"

    site = models.ForeignKey("stations.Site", on_delete=models.CASCADE, related_name="load_events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "stations.ChargingSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["site", "kind", "at"], name="load_event_site_kind")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%H:%M:%S}"
