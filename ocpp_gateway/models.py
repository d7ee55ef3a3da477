from django.db import models

from ocpp_gateway.security.models import ChargerCertificate, InstalledCertificate, SecurityEvent  # noqa: F401


class MessageLog(models.Model):
    """Every OCPP frame in and out, as parsed (or as raw text when it could not be parsed).
    Pruned after OCPP_MESSAGE_LOG_RETENTION_DAYS by `ocpp_gateway.tasks.message_log_prune`."""

    class Direction(models.TextChoices):
        IN = "in", "Charger → CSMS"
        OUT = "out", "CSMS → charger"

    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, related_name="ocpp_messages", null=True, blank=True
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_type = models.PositiveSmallIntegerField(help_text="2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unreadable")
    message_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(null=True, blank=True)
    raw = models.TextField(blank=True, help_text="The frame as received, when it could not be parsed (truncated).")
    note = models.CharField(max_length=255, blank=True, help_text="Why a frame was refused or dropped.")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["station", "created_at"], name="message_log_station_time"),
            models.Index(fields=["message_id"], name="message_log_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.action or self.message_type} {self.message_id}"


class ConfigurationKey(models.Model):
    """A station's configuration as last reported by GetConfiguration.conf."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="configuration_keys")
    key = models.CharField(max_length=50)
    value = models.TextField(null=True, blank=True)
    readonly = models.BooleanField(default=False)
    known = models.BooleanField(default=True, help_text="False: the station reported the key as unknown.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["station", "key"]
        constraints = [models.UniqueConstraint(fields=["station", "key"], name="unique_configuration_key")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.key}={self.value}"


class StationProtocolState(models.Model):
    """Protocol-level facts about a station that the registry does not hold."""

    station = models.OneToOneField("stations.ChargingStation", on_delete=models.CASCADE, related_name="protocol_state")
    local_list_version = models.IntegerField(null=True, blank=True, help_text="As confirmed by the station.")
    local_list_updated_at = models.DateTimeField(null=True, blank=True)
    firmware_status = models.CharField(max_length=32, blank=True)
    firmware_status_at = models.DateTimeField(null=True, blank=True)
    diagnostics_status = models.CharField(max_length=32, blank=True)
    diagnostics_status_at = models.DateTimeField(null=True, blank=True)
    boot_reason = models.CharField(max_length=32, blank=True, help_text="OCPP 2.0.1: why it last booted.")

    def __str__(self) -> str:
        return f"protocol state of {self.station_id}"


class TransactionEventRecord(models.Model):
    """One OCPP 2.0.1/2.1 TransactionEvent as received. The charger numbers the messages of
    a transaction (seqNo, from 0 at Started), so a replayed one is recognised here and
    answered without being applied twice, and missing numbers show as gaps. The session
    is linked once the transaction has a token (cable-first transactions start without)."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="transaction_events")
    transaction_id = models.CharField(max_length=36, help_text="The charger's transactionId.")
    seq_no = models.PositiveIntegerField()
    event_type = models.CharField(max_length=8, help_text="Started, Updated or Ended.")
    trigger_reason = models.CharField(max_length=32)
    stopped_reason = models.CharField(max_length=32, blank=True)
    charging_state = models.CharField(max_length=16, blank=True)
    offline = models.BooleanField(default=False, help_text="Queued by the charger while it was offline.")
    evse_id = models.PositiveSmallIntegerField(null=True, blank=True)
    connector_id = models.PositiveSmallIntegerField(null=True, blank=True)
    id_token = models.CharField(max_length=255, blank=True)
    id_token_type = models.CharField(max_length=20, blank=True)
    remote_start_id = models.IntegerField(null=True, blank=True)
    timestamp = models.DateTimeField(help_text="Charger's timestamp of the event.")
    received_at = models.DateTimeField()
    payload = models.JSONField(help_text="The message as received.")
    session = models.ForeignKey(
        "stations.ChargingSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transaction_events",
    )

    class Meta:
        ordering = ["station", "transaction_id", "seq_no"]
        constraints = [
            models.UniqueConstraint(fields=["station", "transaction_id", "seq_no"], name="unique_transaction_event")
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}#{self.seq_no} {self.event_type} ({self.trigger_reason})"


class DeviceVariable(models.Model):
    """One attribute of one variable of a station's OCPP 2.0.1 device model, as NotifyReport
    reported it (with its characteristics) or Get/SetVariables confirmed it. 0 stands for
    "no EVSE / no connector" (2.0.1 numbers them from 1) so that the key stays unique."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="device_variables")
    component = models.CharField(max_length=50)
    component_instance = models.CharField(max_length=50, blank=True)
    evse_id = models.PositiveSmallIntegerField(default=0)
    connector_id = models.PositiveSmallIntegerField(default=0)
    variable = models.CharField(max_length=50)
    variable_instance = models.CharField(max_length=50, blank=True)
    attribute_type = models.CharField(max_length=8, default="Actual", help_text="Actual, Target, MinSet or MaxSet.")
    value = models.TextField(null=True, blank=True)
    mutability = models.CharField(max_length=10, blank=True)
    persistent = models.BooleanField(null=True)
    constant = models.BooleanField(null=True)
    characteristics = models.JSONField(
        null=True, blank=True, help_text="dataType, unit, limits, valuesList, supportsMonitoring as reported."
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["station", "component", "component_instance", "evse_id", "connector_id", "variable"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "station",
                    "component",
                    "component_instance",
                    "evse_id",
                    "connector_id",
                    "variable",
                    "variable_instance",
                    "attribute_type",
                ],
                name="unique_device_variable",
            )
        ]

    def __str__(self) -> str:
        component = f"{self.component}[{self.component_instance}]" if self.component_instance else self.component
        variable = f"{self.variable}[{self.variable_instance}]" if self.variable_instance else self.variable
        return f"{component}.{variable} ({self.attribute_type}) = {self.value}"


class StationReport(models.Model):
    """What a station reported that we keep as sent and show read-only: events and
    monitoring reports, customer information, display messages, charging limits,
    profiles and EV charging needs, security events, and OCPP 2.1's DER and V2X
    notices. One row per message (a report sent in parts has one row per part)."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="reports")
    action = models.CharField(max_length=64)
    request_id = models.IntegerField(null=True, blank=True, help_text="The requestId it answers, when it has one.")
    seq_no = models.IntegerField(null=True, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["station", "action", "received_at"], name="station_report_kind")]

    def __str__(self) -> str:
        return f"{self.action} from {self.station_id} at {self.received_at:%Y-%m-%d %H:%M:%S}"
