"""Partner networks we roam with over OCPI 2.2.1, and what the credentials handshake told us."""

from django.db import models


class Partner(models.Model):
    """One partner platform: the token it calls us with (hashed), the token we call it with,
    and the version and endpoints its versions URL told us at the last handshake."""

    class Status(models.TextChoices):
        # Token A issued (or received) but the credentials exchange has not happened yet.
        PENDING = "pending", "Pending registration"
        REGISTERED = "registered", "Registered"
        # Either side unregistered: no automated communication either way.
        UNREGISTERED = "unregistered", "Unregistered"

    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # SHA-256 of the credentials token the partner calls us with (A before registration,
    # then the one we generated: B or C). The plain token is shown once and never stored.
    inbound_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # Token A only opens the versions and credentials modules (transport and format, 401).
    inbound_token_is_a = models.BooleanField(default=False, editable=False)
    # The token we call the partner with (its A, then its B or C): we must present it, so it
    # cannot be hashed.
    outbound_token = models.CharField(max_length=64, blank=True)
    versions_url = models.URLField(max_length=255, blank=True, help_text="The partner's versions endpoint.")
    version = models.CharField(max_length=10, blank=True)
    # [{"identifier": "locations", "role": "SENDER", "url": "..."}] from the partner's version details.
    endpoints = models.JSONField(default=list, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    # When our last pull of its Tokens started: the next asks only for what changed since.
    tokens_pulled_at = models.DateTimeField(null=True, blank=True)
    locations_pulled_at = models.DateTimeField(null=True, blank=True)
    tariffs_pulled_at = models.DateTimeField(null=True, blank=True)
    # The agreement: who the partner is in our books (its settlement statements) and our
    # commission on what its CDRs charge our drivers.
    organisation = models.ForeignKey(
        "stations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roaming_partners",
        help_text="The partner in our books: its monthly settlement statements are addressed to it.",
    )
    commission_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="Our commission on a partner CPO's CDRs, deducted from what we owe it; a partner "
        "EMSP's commission on our CDRs of its tokens, deducted from what it owes us.",
    )
    markup_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What we add to a partner CPO's price on our drivers' invoices; empty: OCPI_ROAMING_MARKUP_PERCENT.",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Net days: a monthly partner statement is due this many days after its date."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def endpoint_url(self, identifier: str, role: str) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and endpoint.get("role") == role:
                return endpoint.get("url")
        return None


class PartnerRole(models.Model):
    """A role the partner plays under a country code and party id (its CredentialsRoles)."""

    class Role(models.TextChoices):
        CPO = "CPO"
        EMSP = "EMSP"
        HUB = "HUB"
        NAP = "NAP"
        NSP = "NSP"
        OTHER = "OTHER"
        SCSP = "SCSP"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=5, choices=Role.choices)
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    business_name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            # Per partner: a party id that moved between partner platforms is kept by both
            # until the old one re-registers (and a test loop registers with itself).
            models.UniqueConstraint(
                fields=["partner", "role", "country_code", "party_id"], name="roaming_partner_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.country_code}-{self.party_id}"


class PartnerToken(models.Model):
    """A partner EMSP's token (OCPI Token object), pushed to us or pulled: what our chargers
    accept for its drivers. `data` is the object as last received; the columns are what
    authorization and lookups read."""

    class Whitelist(models.TextChoices):
        ALWAYS = "ALWAYS"
        ALLOWED = "ALLOWED"
        ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
        NEVER = "NEVER"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tokens")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    uid = models.CharField(max_length=36, db_index=True)
    type = models.CharField(max_length=16)
    contract_id = models.CharField(max_length=36)
    valid = models.BooleanField()
    whitelist = models.CharField(max_length=16, choices=Whitelist.choices)
    data = models.JSONField()
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "uid", "type"], name="roaming_partner_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id} {self.uid}"


class PartnerCommand(models.Model):
    """A partner EMSP's command (Commands module) and the charger command request that
    carries it out; the charger's result is POSTed to `response_url` once, then `result_sent_at`."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="commands")
    command = models.CharField(max_length=24)
    response_url = models.URLField(max_length=255)
    request = models.OneToOneField(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="partner_command"
    )
    token_uid = models.CharField(max_length=36, blank=True)
    authorization_reference = models.CharField(max_length=36, blank=True)
    result = models.CharField(max_length=24, blank=True)
    result_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.command} from {self.partner}"


class CdrPush(models.Model):
    """A CDR of ours that belongs to a partner EMSP's token, and when it reached the
    partner: the periodic push sends each exactly until it is accepted."""

    cdr = models.OneToOneField("billing.ChargeDetailRecord", on_delete=models.CASCADE, related_name="partner_push")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="cdr_pushes")
    pushed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    # The partner EMSP's commission when the CDR became its: what the ledger's receivable and
    # the statement take off. Empty on rows from before it was kept: the agreement applies.
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"CDR {self.cdr_id} → {self.partner}"


class PartnerLocation(models.Model):
    """A partner CPO's Location (we are the EMSP), pushed to us or pulled: `data` is the OCPI
    object with its EVSEs and connectors as last received, kept whole so that what our
    drivers see is exactly what the CPO said."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="locations")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    location_id = models.CharField(max_length=36)
    data = models.JSONField()
    publish = models.BooleanField(default=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "location_id"], name="roaming_partner_location_unique"
            ),
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="partner_location_coordinates")]

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id} {self.location_id}"


class PartnerSession(models.Model):
    """A session of one of our drivers at a partner CPO's charger (we are the EMSP), as the
    CPO last pushed it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="sessions")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    session_id = models.CharField(max_length=36)
    token = models.ForeignKey(
        "drivers.Token", on_delete=models.SET_NULL, null=True, blank=True, related_name="partner_sessions"
    )
    status = models.CharField(max_length=12)
    kwh = models.DecimalField(max_digits=12, decimal_places=4)
    data = models.JSONField()
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "session_id"], name="roaming_partner_session_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id} session {self.session_id}"


class PartnerCdr(models.Model):
    """A CDR a partner CPO sent for one of our drivers' sessions (we are the EMSP). CDRs never
    change: a correction arrives as a credit CDR of its own."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="cdrs")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    cdr_id = models.CharField(max_length=39)
    token = models.ForeignKey(
        "drivers.Token", on_delete=models.SET_NULL, null=True, blank=True, related_name="partner_cdrs"
    )
    currency = models.CharField(max_length=3)
    total_excl_vat = models.DecimalField(max_digits=12, decimal_places=4)
    total_incl_vat = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    energy_kwh = models.DecimalField(max_digits=12, decimal_places=4)
    credit = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField()
    data = models.JSONField()
    # The agreement in force when the CDR arrived: the driver's invoice, the ledger and the
    # statement all use these, whatever the partner's row says later. Empty on CDRs stored
    # before they were kept: the partner's agreement as it stands applies.
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    markup_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country_code", "party_id", "cdr_id"], name="roaming_partner_cdr_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id} CDR {self.cdr_id}"


class SentCommand(models.Model):
    """A command we sent a partner CPO for one of our drivers (we are the EMSP): the
    partner's immediate CommandResponse, then the CommandResult it POSTs to our response_url."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="sent_commands")
    command = models.CharField(max_length=24)
    token = models.ForeignKey("drivers.Token", on_delete=models.CASCADE, related_name="sent_commands")
    location_id = models.CharField(max_length=36, blank=True)
    evse_uid = models.CharField(max_length=36, blank=True)
    session_id = models.CharField(max_length=36, blank=True)
    # RESERVE_NOW and CANCEL_RESERVATION: our id for the reservation, and when it ends.
    reservation_id = models.CharField(max_length=36, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=24, blank=True, help_text="CommandResponse: ACCEPTED, REJECTED, …")
    result = models.CharField(max_length=24, blank=True, help_text="CommandResult from the charger.")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.command} to {self.partner}"


class PartnerTariff(models.Model):
    """A partner CPO's Tariff (we are the EMSP), as last pushed: what its chargers cost our
    drivers before our markup."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tariffs")
    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    tariff_id = models.CharField(max_length=36)
    currency = models.CharField(max_length=3)
    data = models.JSONField()
    last_updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "tariff_id"], name="roaming_partner_tariff_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id} tariff {self.tariff_id}"


class PartnerReservation(models.Model):
    """A partner EMSP's reservation at one of our EVSEs (RESERVE_NOW, we are the CPO): the
    EMSP's `reservation_id` (`ocpi_reservation_id`) for our reservation, which the one reservation service holds
    (drivers.Reservation, by the token's uid). A later CANCEL_RESERVATION names it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="reservations")
    ocpi_reservation_id = models.CharField(max_length=36)
    reservation = models.OneToOneField(
        "drivers.Reservation", on_delete=models.CASCADE, related_name="partner_reservation"
    )
    location_id = models.CharField(max_length=36)
    evse_uid = models.CharField(max_length=36)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "ocpi_reservation_id"], name="roaming_partner_reservation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"reservation {self.ocpi_reservation_id} of {self.partner}"
