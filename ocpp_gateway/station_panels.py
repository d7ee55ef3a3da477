"""The gateway's panels on the admin's station page: the configuration keys the charger
last reported (for OCPP 2.0.1/2.1, its device model), and the tail of its OCPP message log
(summaries, not raw frames)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ocpp_gateway.models import ConfigurationKey, DeviceVariable, MessageLog
from stations.admin_station_page import StationPanel
from stations.models import ChargingStation

LOG_TAIL = 15
MESSAGE_TYPES = {2: "→ call", 3: "result", 4: "error", 0: "unreadable"}


def configuration_panel(station: ChargingStation) -> StationPanel:
    if station.ocpp_protocol != ChargingStation.Protocol.OCPP16:
        return device_model_panel(station)
    keys = ConfigurationKey.objects.filter(station=station).order_by("key")
    return StationPanel(
        title=_("Configuration"),
        template="admin/ocpp_gateway/_configuration_panel.html",
        context={"keys": keys, "all_url": reverse("admin:ocpp_gateway_configurationkey_changelist")},
    )


def device_model_panel(station: ChargingStation) -> StationPanel:
    """An OCPP 2.0.1/2.1 station's configuration: its device model's actual values."""
    variables = DeviceVariable.objects.filter(station=station, attribute_type="Actual").order_by(
        "component", "component_instance", "evse_id", "connector_id", "variable", "variable_instance"
    )
    return StationPanel(
        title=_("Device model"),
        template="admin/ocpp_gateway/_device_model_panel.html",
        context={
            "variables": variables,
            "all_url": reverse("admin:ocpp_gateway_devicevariable_changelist") + f"?station__id__exact={station.pk}",
        },
    )


def message_log_panel(station: ChargingStation) -> StationPanel:
    rows = MessageLog.objects.filter(station=station).order_by("-created_at")[:LOG_TAIL]
    return StationPanel(
        title=_("Message log (latest)"),
        template="admin/ocpp_gateway/_message_log_panel.html",
        context={
            "rows": [{"row": row, "summary": _summary(row)} for row in rows],
            "all_url": reverse("admin:ocpp_gateway_messagelog_changelist") + f"?station__id__exact={station.pk}",
        },
    )


def _summary(row: MessageLog) -> str:
    """A line a person reads: the action and the payload's status or first fields."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    if row.note:
        return row.note
    if "status" in payload:
        return str(payload["status"])
    parts = [f"{key}={value}" for key, value in list(payload.items())[:3] if not isinstance(value, dict | list)]
    return ", ".join(parts)
