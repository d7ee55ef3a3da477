from django.db import models
from django.db.models import Q

from stations.validators import validate_identity, validate_max_power_kw


class RegistrationStatus(models.TextChoices):
    PENDING = "Pending", "Pending (awaiting staff)"
    ACCEPTED = "Accepted", "Accepted"
    REJECTED = "Rejected", "Rejected"


class ChargePointStatus(models.TextChoices):
    """OCPP 1.6 ChargePointStatus, plus Unknown before the first StatusNotification."""

    UNKNOWN = "Unknown", "Unknown"
    AVAILABLE = "Available", "Available"
    PREPARING = "Preparing", "Preparing"
    CHARGING = "Charging", "Charging"
    SUSPENDED_EVSE = "SuspendedEVSE", "Suspended by EVSE"
    SUSPENDED_EV = "SuspendedEV", "Suspended by EV"
    FINISHING = "Finishing", "Finishing"
    RESERVED = "Reserved", "Reserved"
    UNAVAILABLE = "Unavailable", "Unavailable"
    FAULTED = "Faulted", "Faulted"


class ChargingStation(models.Model):
    """A charge point that speaks OCPP to us over `/ocpp/<identity>`."""

    class SecurityProfile(models.IntegerChoices):
        NONE = 0, "0 – no authentication (trusted network only)"
        BASIC = 1, "1 – HTTP Basic over ws://"
        BASIC_TLS = 2, "2 – HTTP Basic over wss:// (TLS at the proxy)"
        CLIENT_CERT = 3, "3 – TLS client certificate"

    class Protocol(models.TextChoices):
        OCPP16 = "ocpp1.6", "OCPP 1.6J"
        OCPP201 = "ocpp2.0.1", "OCPP 2.0.1"
        OCPP21 = "ocpp2.1", "OCPP 2.1"

    identity = models.CharField(
        max_length=48,
        unique=True,
        validators=[validate_identity],
        help_text="OCPP charge point identity (the last path segment).",
    )
    site = models.ForeignKey("stations.Site", on_delete=models.PROTECT, related_name="stations", null=True, blank=True)
    owner = models.ForeignKey(
        "stations.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_stations",
        null=True,
        blank=True,
        limit_choices_to={"is_owner": True},
    )
    agreement = models.ForeignKey(
        "stations.OperatingAgreement",
        on_delete=models.PROTECT,
        related_name="stations",
        null=True,
        blank=True,
        help_text="The lease under which the operator runs this station.",
    )
    vendor = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    serial_number = models.CharField(max_length=50, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True)
    meter_type = models.CharField(max_length=50, blank=True)
    meter_serial_number = models.CharField(max_length=50, blank=True)
    iccid = models.CharField(max_length=20, blank=True)
    imsi = models.CharField(max_length=20, blank=True)
    ocpp_protocol = models.CharField(max_length=16, choices=Protocol.choices, default=Protocol.OCPP16)
    security_profile = models.PositiveSmallIntegerField(choices=SecurityProfile.choices, default=SecurityProfile.BASIC)
    password_hash = models.CharField(
        max_length=200, blank=True, editable=False, help_text="Salted hash; the password itself is never stored."
    )
    registration_status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.ACCEPTED
    )
    heartbeat_interval = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds; empty uses OCPP_HEARTBEAT_INTERVAL."
    )
    commissioned_on = models.DateField(null=True, blank=True)
    free_vend = models.BooleanField(
        default=False,
        help_text="Free charging: a charger that starts without a token (OCPP 2.0.1 NoAuthorization) is "
        "accepted and its session kept without a driver.",
    )
    status = models.CharField(
        max_length=16,
        choices=ChargePointStatus.choices,
        default=ChargePointStatus.UNKNOWN,
        help_text="Connector 0: the whole station.",
    )
    error_code = models.CharField(max_length=32, default="NoError")
    status_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the station status was reported (charger clock if trusted)."
    )
    status_charger_at = models.DateTimeField(
        null=True, blank=True, help_text="Charger timestamp of the station status, when its clock was trusted."
    )
    status_received_at = models.DateTimeField(null=True, blank=True)
    clock_skewed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last time the charger sent a timestamp far from our clock; its clock is distrusted for a while.",
    )
    is_connected = models.BooleanField(default=False, help_text="A WebSocket is open right now.")
    is_online = models.BooleanField(default=False, help_text="Heard from within its heartbeat allowance.")
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_boot_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identity"]
        indexes = [models.Index(fields=["is_online", "last_seen_at"], name="station_liveness")]

    def __str__(self) -> str:
        return self.identity

    @property
    def operator(self):
        if self.agreement_id:
            return self.agreement.operator
        return self.site.operator if self.site_id else None


class Connector(models.Model):
    """A connector of an EVSE. OCPP 1.6 numbers connectors 1..n per station (0 is the
    station itself and lives on ChargingStation); OCPP 2.0.1 names one by its EVSE's
    evseId and its connectorId within that EVSE. A 1.6 connector is an EVSE with one
    connector (evse_id empty means the same number as connector_id, connector 1), which is
    how a charger that moves from 1.6 to 2.0.1 keeps its sessions and history."""

    class Standard(models.TextChoices):
        TYPE_2 = "IEC_62196_T2", "Type 2"
        CCS2 = "IEC_62196_T2_COMBO", "CCS2 (Combo 2)"
        CHADEMO = "CHADEMO", "CHAdeMO"
        TYPE_1 = "IEC_62196_T1", "Type 1"
        CCS1 = "IEC_62196_T1_COMBO", "CCS1 (Combo 1)"
        NACS = "NACS", "NACS (SAE J3400)"
        DOMESTIC = "DOMESTIC_F", "Domestic (Schuko)"

    class PowerType(models.TextChoices):
        AC_1_PHASE = "AC_1_PHASE", "AC single phase"
        AC_3_PHASE = "AC_3_PHASE", "AC three phase"
        DC = "DC", "DC"

    class Format(models.TextChoices):
        SOCKET = "SOCKET", "Socket"
        CABLE = "CABLE", "Tethered cable"

    station = models.ForeignKey(ChargingStation, on_delete=models.CASCADE, related_name="connectors")
    connector_id = models.PositiveSmallIntegerField(help_text="OCPP connectorId, 1..n")
    evse_id = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="OCPP 2.0.1 evseId; empty: the same number as the connector."
    )
    evse_connector_id = models.PositiveSmallIntegerField(
        default=1, help_text="OCPP 2.0.1 connectorId within the EVSE (1..n)."
    )
    standard = models.CharField(max_length=24, choices=Standard.choices)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.SOCKET)
    power_type = models.CharField(max_length=12, choices=PowerType.choices)
    max_power_kw = models.DecimalField(max_digits=6, decimal_places=2, validators=[validate_max_power_kw])
    status = models.CharField(max_length=16, choices=ChargePointStatus.choices, default=ChargePointStatus.UNKNOWN)
    error_code = models.CharField(max_length=32, default="NoError")
    vendor_error_code = models.CharField(max_length=50, blank=True)
    status_info = models.CharField(max_length=50, blank=True)
    status_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the status was reported (charger clock if trusted)."
    )
    status_charger_at = models.DateTimeField(
        null=True, blank=True, help_text="Charger timestamp of the status, when its clock was trusted."
    )
    status_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["station", "connector_id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "connector_id"], name="unique_connector_per_station"),
            models.UniqueConstraint(
                fields=["station", "evse_id", "evse_connector_id"], name="unique_evse_connector_per_station"
            ),
            models.CheckConstraint(condition=Q(connector_id__gte=1), name="connector_id_positive"),
            models.CheckConstraint(
                condition=Q(max_power_kw__gte=3.7) & Q(max_power_kw__lte=600), name="connector_power_range"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="connector_status")]

    def __str__(self) -> str:
        return f"{self.station.identity}#{self.connector_id} {self.get_standard_display()} {self.max_power_kw} kW"

    @property
    def evse_number(self) -> int:
        return self.evse_id if self.evse_id is not None else self.connector_id

    @property
    def level(self) -> str:
        """SAE charging level: AC is Level 2 here (Level 1 is below our 3.7 kW floor), DC is Level 3."""
        return "Level 3 (DC)" if self.power_type == self.PowerType.DC else "Level 2 (AC)"
