from django.db import models

# Session flags that mean its energy cannot be trusted as counted: billing holds the CDR of
# such a session for staff to review (docs/billing.md).
ENERGY_DOUBT_FLAGS = ("energy_implausible", "meter_start_rejected")


class ChargingSession(models.Model):
    """One OCPP transaction. Its primary key is the transactionId we hand a 1.6 charger; an
    OCPP 2.0.1/2.1 charger chooses its own string id (`charger_transaction_id`).

    Both clocks are kept: the charger's timestamps (what the driver is billed on) and our
    receive times (what we can trust when the charger's clock is wrong)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Charging / in progress"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected at start (token not accepted)"

    class AuthStatus(models.TextChoices):
        ACCEPTED = "Accepted", "Accepted"
        BLOCKED = "Blocked", "Blocked"
        EXPIRED = "Expired", "Expired"
        INVALID = "Invalid", "Invalid"
        CONCURRENT_TX = "ConcurrentTx", "Concurrent transaction"

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.PROTECT, related_name="sessions")
    connector = models.ForeignKey(
        "stations.Connector", on_delete=models.PROTECT, related_name="sessions", null=True, blank=True
    )
    connector_number = models.PositiveSmallIntegerField(help_text="connectorId as sent by the charger")
    id_tag = models.CharField(max_length=36, help_text="The token presented (idTag).")
    auth_status = models.CharField(max_length=16, choices=AuthStatus.choices, default=AuthStatus.ACCEPTED)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    reservation_id = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField(help_text="Charger's timestamp of the start.")
    start_received_at = models.DateTimeField(auto_now_add=True)
    meter_start_wh = models.BigIntegerField()
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Charger's timestamp of the stop.")
    stop_received_at = models.DateTimeField(null=True, blank=True)
    meter_stop_wh = models.BigIntegerField(null=True, blank=True)
    stop_reason = models.CharField(max_length=32, blank=True)
    energy_wh = models.BigIntegerField(default=0, help_text="Delivered energy, never negative.")
    last_meter_wh = models.BigIntegerField(null=True, blank=True, help_text="Latest energy register reading.")
    last_meter_at = models.DateTimeField(null=True, blank=True)
    last_power_w = models.DecimalField(max_digits=12, decimal_places=1, null=True, blank=True)
    flags = models.JSONField(
        default=list,
        blank=True,
        help_text="Anomalies: meter_reset, meter_backwards, meter_value_rejected, meter_start_rejected, "
        "energy_implausible, clock_skew, …",
    )
    stop_id_tag = models.CharField(max_length=36, blank=True, help_text="The token presented at the stop, if any.")
    charger_transaction_id = models.CharField(
        max_length=36, null=True, blank=True, help_text="OCPP 2.0.1/2.1: the transactionId the charger chose."
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["station", "charger_transaction_id"], name="unique_charger_transaction_id"),
            # A replayed StartTransaction carries the same four facts; it must find this row.
            models.UniqueConstraint(
                fields=["station", "connector_number", "id_tag", "meter_start_wh", "started_at"],
                name="unique_start_transaction",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "status"], name="session_station_status"),
            models.Index(fields=["status", "started_at"], name="session_status_started"),
        ]

    def __str__(self) -> str:
        return f"Tx {self.pk} on {self.station_id}#{self.connector_number} ({self.status})"

    @property
    def transaction_id(self) -> int | str:
        """The id the charger knows this transaction by."""
        return self.charger_transaction_id or self.pk

    @property
    def energy_in_doubt(self) -> bool:
        """Its energy may be wrong (implausible readings, an unusable meterStart): a person
        should look before it is billed."""
        return self.energy_wh < 0 or any(flag in self.flags for flag in ENERGY_DOUBT_FLAGS)


class MeterSample(models.Model):
    """One sampledValue from MeterValues or StopTransaction.transactionData, as sent
    (value and unit) and normalised (Wh for energy, W for power)."""

    session = models.ForeignKey(
        ChargingSession, on_delete=models.CASCADE, related_name="meter_samples", null=True, blank=True
    )
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="meter_samples")
    connector_number = models.PositiveSmallIntegerField()
    sampled_at = models.DateTimeField(help_text="Charger's timestamp.")
    received_at = models.DateTimeField(auto_now_add=True)
    measurand = models.CharField(max_length=64, default="Energy.Active.Import.Register")
    phase = models.CharField(max_length=8, blank=True)
    location = models.CharField(max_length=8, blank=True)
    context = models.CharField(max_length=32, blank=True)
    value_format = models.CharField(max_length=16, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Empty for SignedData."
    )
    raw_value = models.TextField(
        blank=True, help_text="The value as sent when it is not stored as a number (SignedData, rejected values)."
    )
    transaction_number = models.BigIntegerField(
        null=True, blank=True, help_text="transactionId as sent, kept even when it matches no session."
    )
    clock_skewed = models.BooleanField(default=False, help_text="Charger timestamp far from our receive time.")
    normalized_value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Wh for energy, W for power, else as sent."
    )
    rejected = models.CharField(
        max_length=16,
        blank=True,
        help_text="Why this value was not counted: negative, not_finite, not_numeric, out_of_range.",
    )
    signed_data = models.JSONField(
        null=True,
        blank=True,
        help_text="OCPP 2.0.1 signedMeterValue as sent (signedMeterData, signingMethod, encodingMethod, publicKey).",
    )

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [
            models.Index(fields=["session", "measurand", "sampled_at"], name="sample_session_measurand"),
            models.Index(fields=["station", "sampled_at"], name="sample_station_time"),
        ]

    def __str__(self) -> str:
        return f"{self.measurand} {self.value} {self.unit} @ {self.sampled_at:%Y-%m-%d %H:%M:%S}"


class StatusChange(models.Model):
    """History of StatusNotification (connector 0 = the station) and of online/offline
    transitions, the raw material for uptime."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="status_changes")
    connector_number = models.PositiveSmallIntegerField(help_text="0 = whole station")
    status = models.CharField(max_length=16)
    error_code = models.CharField(max_length=32, default="NoError")
    info = models.CharField(max_length=50, blank=True)
    vendor_id = models.CharField(max_length=255, blank=True)
    vendor_error_code = models.CharField(max_length=50, blank=True)
    charger_timestamp = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    clock_skewed = models.BooleanField(default=False, help_text="Charger timestamp far from our receive time.")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["station", "connector_number", "received_at"], name="status_history")]

    def __str__(self) -> str:
        return f"{self.station_id}#{self.connector_number} {self.status}/{self.error_code} @ {self.received_at:%Y-%m-%d %H:%M}"


class TransactionDiscrepancy(models.Model):
    """A transaction message we answered but could not apply cleanly, kept for staff to
    reconcile: a StopTransaction for an unknown or already-stopped transaction, MeterValues
    for a transaction we never started, or an OCPP 2.0.1 transaction that ended without
    ever being given a token (energy delivered that no session bills)."""

    class Kind(models.TextChoices):
        UNKNOWN_TRANSACTION = "unknown_transaction", "StopTransaction for an unknown transaction"
        ALREADY_STOPPED = "already_stopped", "StopTransaction for a transaction already stopped differently"
        METER_VALUES_UNKNOWN = "meter_values_unknown", "MeterValues for an unknown transaction"
        ENDED_WITHOUT_TOKEN = "ended_without_token", "Transaction ended without ever getting a token (2.0.1)"

    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, related_name="transaction_discrepancies"
    )
    session = models.ForeignKey(
        ChargingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="discrepancies"
    )
    transaction_number = models.BigIntegerField(help_text="transactionId as sent by the charger (1.6; 0 for 2.0.1).")
    charger_transaction_id = models.CharField(
        max_length=36, blank=True, help_text="OCPP 2.0.1's string transactionId, as sent by the charger."
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    payload = models.JSONField(default=dict, help_text="The message as received.")
    received_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["station", "resolved_at"], name="discrepancy_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.transaction_number} on {self.station_id}"
