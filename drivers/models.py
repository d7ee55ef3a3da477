from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from drivers.time_zones import time_zone_validate


class Driver(models.Model):
    """The EMSP's customer: a Django user plus what charging needs."""

    class AccountStatus(models.TextChoices):
        ACTIVE = "active", "Active"
        OVERDUE = "overdue", "Overdue (payment failed)"
        SUSPENDED = "suspended", "Suspended by staff"
        CLOSED = "closed", "Closed"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="driver")
    emsp = models.ForeignKey(
        "stations.Organisation",
        on_delete=models.PROTECT,
        related_name="drivers",
        null=True,
        blank=True,
        limit_choices_to={"is_emsp": True},
    )
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # A business driver's: printed on the invoice as the buyer's (EU VAT Directive art. 226).
    company_name = models.CharField(max_length=200, blank=True)
    vat_number = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(max_length=8, default="en")
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[time_zone_validate],
        help_text="IANA zone the portal shows times in; empty: the browser's own zone.",
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    account_status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    fleet = models.BooleanField(
        default=False,
        help_text="A fleet account (company vehicles): site load management serves its sessions before "
        "ad-hoc ones, as it does a member's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email or self.user.username

    @property
    def email(self) -> str:
        return self.user.email


class Token(models.Model):
    """Something a driver identifies with at a charger: an RFID card's UID, an app token
    or an eMA contract id. `uid` is what arrives as OCPP idTag (at most 20 characters)."""

    class Kind(models.TextChoices):
        RFID = "RFID", "RFID card"
        APP = "APP_USER", "App"
        CONTRACT = "AD_HOC_USER", "Ad-hoc / contract"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        BLOCKED = "blocked", "Blocked"
        EXPIRED = "expired", "Expired"

    uid = models.CharField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{1,20}$", "A token UID is 1–20 letters, digits, _ or -.")],
        help_text="OCPP idTag",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RFID)
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="tokens", null=True, blank=True)
    contract_id = models.CharField(max_length=36, blank=True, help_text="eMA ID, e.g. DE-ABC-C12345678-X")
    label = models.CharField(max_length=64, blank=True, help_text="What the driver calls it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    expires_at = models.DateTimeField(null=True, blank=True)
    parent_id_tag = models.CharField(max_length=20, blank=True, help_text="OCPP parentIdTag (group, e.g. a fleet).")
    created_at = models.DateTimeField(auto_now_add=True)
    blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uid"]

    def __str__(self) -> str:
        return f"{self.uid} ({self.get_kind_display()}, {self.status})"


class SessionToken(models.Model):
    """Which token started a session. Drivers owns the link so that the session (stations,
    the lower layer) keeps only the idTag string and no foreign key up into drivers."""

    session = models.OneToOneField("stations.ChargingSession", on_delete=models.CASCADE, related_name="token_link")
    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="session_links")

    def __str__(self):
        return f"session {self.session_id} · token {self.token_id}"


class Vehicle(models.Model):
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="vehicles")
    make = models.CharField(max_length=50)
    model = models.CharField(max_length=50)
    license_plate = models.CharField(max_length=16, blank=True)
    battery_kwh = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    connector_standard = models.CharField(
        max_length=24, blank=True, help_text="Preferred DC/AC inlet, e.g. IEC_62196_T2_COMBO"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["driver", "make", "model"]

    def __str__(self) -> str:
        plate = f" ({self.license_plate})" if self.license_plate else ""
        return f"{self.make} {self.model}{plate}"


class Reservation(models.Model):
    """A driver's hold on a connector (OCPP ReserveNow). Its primary key is the OCPP
    reservationId. Created through `drivers.services.reservation_request`, which queues
    the ReserveNow command; the charger's answer moves it on."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (waiting for the charger)"
        ACCEPTED = "accepted", "Accepted by the charger"
        REJECTED = "rejected", "Refused by the charger"
        FAILED = "failed", "Not delivered (offline, timed out or error)"
        CANCEL_REQUESTED = "cancel_requested", "Cancellation requested"
        CANCELLED = "cancelled", "Cancelled"
        USED = "used", "Used (a session started on it)"
        EXPIRED = "expired", "Expired"

    OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED, Status.CANCEL_REQUESTED)

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="reservations", null=True, blank=True)
    # Empty for a partner network's token (roaming): then `id_tag` alone names it.
    token = models.ForeignKey(Token, on_delete=models.PROTECT, related_name="reservations", null=True, blank=True)
    id_tag = models.CharField(max_length=36, blank=True, help_text="The idTag the charger holds the connector for.")
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="reservations")
    connector_number = models.PositiveSmallIntegerField(default=0, help_text="0 = any connector of the station")
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    charger_status = models.CharField(max_length=20, blank=True, help_text="ReserveNow.conf status as answered.")
    session_id = models.BigIntegerField(null=True, blank=True, help_text="The transaction that used it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["station", "status"], name="reservation_station_status")]

    def __str__(self) -> str:
        return f"Reservation {self.pk} {self.station_id}#{self.connector_number} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class SupportTicket(models.Model):
    """A driver's question or complaint, answered by staff live (the chat: every message
    pushed to both sides over the channel layer) or later by e-mail; the thread is the
    transcript."""

    class Status(models.TextChoices):
        OPEN = "open", "Open (waiting for staff)"
        ANSWERED = "answered", "Answered (waiting for the driver)"
        CLOSED = "closed", "Closed"

    class Topic(models.TextChoices):
        CHARGING = "charging", "Charging"
        BILLING = "billing", "Billing and payments"
        ACCOUNT = "account", "Account and cards"
        OTHER = "other", "Something else"

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="support_tickets")
    subject = models.CharField(max_length=150)
    topic = models.CharField(max_length=16, choices=Topic.choices, default=Topic.OTHER)
    session = models.ForeignKey(
        "stations.ChargingSession", on_delete=models.SET_NULL, related_name="support_tickets", null=True, blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="assigned_support_tickets",
        null=True,
        blank=True,
        limit_choices_to={"is_staff": True},
        help_text="The agent handling it; empty: anyone in the support inbox may take it.",
    )
    inbox_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the support inbox was e-mailed about this new ticket."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "updated_at"], name="ticket_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject} ({self.status})"


class TicketMessage(models.Model):
    """One message in a ticket's thread, from the driver or from staff."""

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket_messages"
    )
    from_staff = models.BooleanField(default=False)
    body = models.TextField(max_length=5000)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="Staff answers: when the driver was e-mailed about it (once)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{'Staff' if self.from_staff else 'Driver'} on #{self.ticket_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class BreakdownReport(models.Model):
    """A driver's report that something is broken; it opens a corrective work order in
    stations and follows that work order's status (stations.signals.work_order_status_changed)."""

    class Category(models.TextChoices):
        WONT_START = "wont_start", _("Charging does not start")
        STOPPED = "stopped", _("Charging stopped unexpectedly")
        DAMAGED = "damaged", _("Damaged cable, plug or housing")
        SCREEN = "screen", _("Display or card reader not working")
        BLOCKED = "blocked", _("Bay blocked or inaccessible")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("Being repaired")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Could not reproduce")

    driver = models.ForeignKey(Driver, on_delete=models.SET_NULL, null=True, related_name="breakdown_reports")
    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="breakdown_reports")
    connector = models.ForeignKey(
        "stations.Connector", on_delete=models.SET_NULL, null=True, blank=True, related_name="breakdown_reports"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("description"))
    photo = models.ImageField(_("photo"), upload_to="breakdowns/", blank=True)
    source = models.CharField(max_length=16, default="portal", help_text="portal, api, admin")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    work_order = models.ForeignKey(
        "stations.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="breakdown_reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Breakdown #{self.pk} at {self.station_id}: {self.get_category_display()}"


class DriverNotification(models.Model):
    """An e-mail the driver was (or is being) sent about an event of their account: the
    row is the once-only guard (unique kind and key, e.g. the session id) and the list the
    portal can show."""

    class Kind(models.TextChoices):
        SESSION_RECEIPT = "session_receipt", "Session receipt"
        RESERVATION_CONFIRMED = "reservation_confirmed", "Reservation confirmed"
        RESERVATION_EXPIRED = "reservation_expired", "Reservation expired"
        MEMBERSHIP_STARTED = "membership_started", "Membership started"
        MEMBERSHIP_ENDED = "membership_ended", "Membership ended"
        CARD_PAYMENT_FAILED = "card_payment_failed", "Card payment failed"
        DIRECT_DEBIT_FAILED = "direct_debit_failed", "Direct debit failed"
        WALLET_LOW = "wallet_low", "Prepaid balance low"
        INVOICE_REMINDER = "invoice_reminder", "Invoice reminder"
        INVOICE_SECOND_REMINDER = "invoice_second_reminder", "Second invoice reminder"
        ACCOUNT_OVERDUE = "account_overdue", "Charging blocked (overdue)"

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(
        max_length=64, help_text="What it is about (session, reservation, membership, payment or invoice step)."
    )
    subject = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="driver_notification_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → driver {self.driver_id}"
