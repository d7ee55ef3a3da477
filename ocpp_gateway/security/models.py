from django.db import models


class ChargerCertificate(models.Model):
    """A charger's own certificate, from its certificate signing request to the signed
    certificate it accepted (or refused). The CSR's subject common name is the station's
    identity: that is what binds a profile 3 connection to the station."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "CSR received, being signed"
        ISSUED = "issued", "Signed, sent to the charger"
        ACCEPTED = "accepted", "Installed by the charger"
        REJECTED = "rejected", "Refused by the charger"
        FAILED = "failed", "Not signed (CA error) or not delivered"

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="certificates")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    certificate_type = models.CharField(
        max_length=32, default="ChargingStationCertificate", help_text="ChargingStationCertificate or V2GCertificate."
    )
    csr_pem = models.TextField(help_text="The certificate signing request as the charger sent it.")
    subject = models.CharField(max_length=255)
    certificate_pem = models.TextField(blank=True, help_text="The signed certificate (PEM), once issued.")
    chain_pem = models.TextField(blank=True, help_text="What CertificateSigned carried: certificate and its CA chain.")
    serial_number = models.CharField(max_length=64, blank=True, help_text="Hexadecimal, as issued.")
    fingerprint_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    issued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by staff: a revoked certificate no longer admits the station."
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint_sha256"], condition=~models.Q(fingerprint_sha256=""), name="unique_certificate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"


class InstalledCertificate(models.Model):
    """A certificate a charger holds, by its OCSP-style hash data, as reported by
    GetInstalledCertificateIds or installed/deleted through us."""

    station = models.ForeignKey(
        "stations.ChargingStation", on_delete=models.CASCADE, related_name="installed_certificates"
    )
    certificate_type = models.CharField(max_length=48, help_text="e.g. CentralSystemRootCertificate.")
    hash_algorithm = models.CharField(max_length=8)
    issuer_name_hash = models.CharField(max_length=128)
    issuer_key_hash = models.CharField(max_length=128)
    serial_number = models.CharField(max_length=40)
    certificate_pem = models.TextField(blank=True, help_text="Known when it was installed through us.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["station", "certificate_type", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number"],
                name="unique_installed_certificate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_type} {self.serial_number} on {self.station_id}"


class SecurityEvent(models.Model):
    """SecurityEventNotification: what the charger reported (firmware updated, failed
    logins, invalid certificates, tamper detection, …)."""

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="security_events")
    event_type = models.CharField(max_length=50)
    occurred_at = models.DateTimeField(help_text="The charger's timestamp.")
    tech_info = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["station", "occurred_at"], name="security_event_station_time")]

    def __str__(self) -> str:
        return f"{self.event_type} at {self.occurred_at:%Y-%m-%d %H:%M:%S} on {self.station_id}"
