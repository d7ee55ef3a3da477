"""Staff interventions on sessions the gateway could not finish by itself, audited."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionIntervention(models.Model):
    """Who closed or stopped a stuck session, why, and on which meter value."""

    class Action(models.TextChoices):
        SOFT_CLOSE = "soft_close", _("Soft close (billed on last known meter)")
        REMOTE_STOP = "remote_stop", _("RemoteStopTransaction sent")

    session = models.ForeignKey("stations.ChargingSession", on_delete=models.PROTECT, related_name="interventions")
    action = models.CharField(max_length=16, choices=Action.choices)
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=255)
    meter_stop_wh = models.BigIntegerField(null=True, blank=True)
    command = models.ForeignKey(
        "stations.CommandRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of session {self.session_id} by {self.performed_by}"
