import uuid

from django.conf import settings
from django.db import models


class CommandRequest(models.Model):
    """One request to a charger, in the domain's words (start, stop, reset, …) with
    protocol-neutral parameters. Any process creates one (stations.services.commands.
    command_request); the gateway holding the station's socket translates it into its
    protocol's frame, delivers it one at a time and records the neutral result here.
    `raw` is the staff escape hatch: a frame of a named protocol, sent as given."""

    class Action(models.TextChoices):
        START = "start", "Start charging"
        STOP = "stop", "Stop charging"
        RESET = "reset", "Reset"
        UNLOCK = "unlock", "Unlock connector"
        SET_AVAILABILITY = "set_availability", "Set availability"
        RESERVE = "reserve", "Reserve"
        CANCEL_RESERVATION = "cancel_reservation", "Cancel reservation"
        SEND_LOCAL_LIST = "send_local_list", "Send local authorization list"
        CHANGE_CONFIGURATION = "change_configuration", "Change configuration"
        GET_CONFIGURATION = "get_configuration", "Get configuration"
        UPDATE_FIRMWARE = "update_firmware", "Update firmware"
        GET_DIAGNOSTICS = "get_diagnostics", "Get diagnostics"
        TRIGGER_MESSAGE = "trigger_message", "Trigger message"
        CLEAR_CACHE = "clear_cache", "Clear authorization cache"
        SET_CHARGING_PROFILE = "set_charging_profile", "Set charging profile"
        CLEAR_CHARGING_PROFILE = "clear_charging_profile", "Clear charging profile"
        SET_CHARGING_LIMIT = "set_charging_limit", "Set charging limit (load management)"
        CLEAR_CHARGING_LIMIT = "clear_charging_limit", "Clear charging limit (load management)"
        DATA_TRANSFER = "data_transfer", "Data transfer"
        CERTIFICATE_SIGNED = "certificate_signed", "Send the charger its signed certificate"
        INSTALL_CERTIFICATE = "install_certificate", "Install a root certificate"
        DELETE_CERTIFICATE = "delete_certificate", "Delete an installed certificate"
        GET_INSTALLED_CERTIFICATES = "get_installed_certificate_ids", "List installed certificates"
        GET_LOG = "get_log", "Upload a log (diagnostics or security)"
        COST_UPDATE = "cost_update", "Show a session's running cost on the charger"
        RAW = "raw", "Raw protocol frame (staff)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent, awaiting response"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed (error)"
        TIMED_OUT = "timed_out", "Timed out"
        EXPIRED = "expired", "Expired before delivery"

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        PORTAL = "portal", "Portal"
        TASK = "task", "Background task"
        SYSTEM = "system", "System"

    FINAL_STATUSES = (Status.ACCEPTED, Status.REJECTED, Status.FAILED, Status.TIMED_OUT, Status.EXPIRED)

    station = models.ForeignKey("stations.ChargingStation", on_delete=models.CASCADE, related_name="commands")
    action = models.CharField(max_length=32, choices=Action.choices)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="Protocol-neutral parameters; for `raw`, the frame's payload as given."
    )
    raw_protocol = models.CharField(max_length=16, blank=True, help_text="`raw` only: the protocol, e.g. ocpp1.6.")
    raw_action = models.CharField(max_length=64, blank=True, help_text="`raw` only: the protocol's action name.")
    message_id = models.CharField(
        max_length=36, unique=True, default=uuid.uuid4, editable=False, help_text="The delivery's message id."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="command_requests",
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SYSTEM)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True, help_text="The charger's answer, protocol-neutral.")
    error_code = models.CharField(max_length=64, blank=True)
    error_description = models.TextField(blank=True)
    followup_status = models.CharField(
        max_length=32, blank=True, help_text="Latest firmware/diagnostics/log status the station reported after this."
    )
    followup_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["station", "status", "created_at"], name="command_queue"),
            # The process-wide outbox poll asks which stations have deliverable requests.
            models.Index(fields=["expires_at"], condition=models.Q(status="pending"), name="command_pending"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action="raw", raw_action__gt="")
                | (~models.Q(action="raw") & models.Q(raw_action="")),
                name="command_raw_names_its_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_label} → {self.station_id} ({self.status})"

    @property
    def action_label(self) -> str:
        return f"raw {self.raw_action}" if self.action == self.Action.RAW else self.action

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES
