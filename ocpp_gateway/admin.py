"""Staff views of the gateway: a form to send any OCPP call to stations or connectors
(the raw escape hatch, added to the stations' command-request admin and their action
menus) and the OCPP message log."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ocpp_gateway import commands, protocols, station_panels
from ocpp_gateway.admin_forms import ActionChoiceForm, parameters_form_class
from ocpp_gateway.models import (
    ConfigurationKey,
    DeviceVariable,
    MessageLog,
    StationProtocolState,
    StationReport,
    TransactionEventRecord,
)
from ocpp_gateway.security import admin as security_admin  # noqa: F401 - registers certificates, events
from stations import admin as stations_admin
from stations.admin_station_page import station_panel_register
from stations.models import ChargingStation, CommandRequest, Connector
from stations.services.charging import ChargeRefused
from stations.services.commands import CommandError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The stations' request admin, with the gateway's form for raw frames added.
admin.site.unregister(CommandRequest)


@admin.register(CommandRequest)
class CommandRequestAdmin(stations_admin.CommandRequestAdmin):
    def get_urls(self):
        send = path("send/", self.admin_site.admin_view(self.send_view), name="ocpp_gateway_command_send")
        return [send, *super().get_urls()]

    def send_view(self, request):
        """Choose an action, fill in its parameters, queue it for each selected station
        (or connector, whose number then fills connectorId)."""
        if not request.user.has_perm("stations.add_commandrequest"):
            raise PermissionDenied

        def source(name: str) -> str:
            return request.POST.get(name) or request.GET.get(name) or ""

        targets = _targets(source("stations"), source("connectors"))
        # The form speaks the version the (first) selected station speaks; raw_send checks
        # each station's own version, so a mixed selection is refused per station.
        protocol = protocols.for_station(targets[0][0].ocpp_protocol if targets else "")
        action = source("action")
        context = {**self.admin_site.each_context(request), "title": _("Send an OCPP command"), "targets": targets}
        context["hidden"] = {"stations": source("stations"), "connectors": source("connectors")}
        if action not in protocol.csms_actions:
            context["form"] = ActionChoiceForm(protocol=protocol)
            return TemplateResponse(request, "admin/ocpp_gateway/send_command.html", context)
        form_class = parameters_form_class(protocol=protocol, action=action)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            sent = _send_all(request, form, action, targets)
            if sent is not None:
                self.message_user(
                    request, _("Queued %(n)d %(action)s command(s).") % {"n": len(sent), "action": action}
                )
                ids = ",".join(str(command.pk) for command in sent)
                return HttpResponseRedirect(reverse("admin:stations_commandrequest_changelist") + f"?id__in={ids}")
        context.update(form=form, action=action)
        context["hidden"]["action"] = action
        return TemplateResponse(request, "admin/ocpp_gateway/send_command.html", context)


def _targets(station_ids: str, connector_ids: str) -> list[tuple[ChargingStation, int | None]]:
    """(station, connector number or None) for each selected station or connector."""
    if connector_ids:
        ids = [int(pk) for pk in connector_ids.split(",") if pk.isdigit()]
        return [(c.station, c.connector_id) for c in Connector.objects.filter(pk__in=ids).select_related("station")]
    ids = [int(pk) for pk in station_ids.split(",") if pk.isdigit()]
    return [(station, None) for station in ChargingStation.objects.filter(pk__in=ids)]


def _send_all(request, form, action: str, targets) -> list[CommandRequest] | None:
    try:
        with transaction.atomic():
            sent = []
            for station, connector_number in targets:
                payload = form.payload()
                if connector_number is not None and "connectorId" in form.fields:
                    payload["connectorId"] = connector_number
                sent.append(
                    commands.raw_send(
                        station=station,
                        action=action,
                        payload=payload,
                        requested_by=request.user,
                        source=CommandRequest.Source.ADMIN,
                    )
                )
            return sent
    except ChargeRefused as refusal:
        form.add_error(None, f"{station.identity}: {refusal.message} ({refusal.code})")
        return None
    except (CommandError, ValidationError) as error:
        for message in getattr(error, "messages", [str(error)]):
            form.add_error(None, message)
        return None


@admin.action(description=_("Send a raw OCPP command (advanced)…"))
def send_ocpp_command(modeladmin, request, queryset):
    """Admin action for stations (and, through `send_ocpp_command_to_connectors`, connectors)."""
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(reverse("admin:ocpp_gateway_command_send") + f"?stations={ids}")


@admin.action(description=_("Send a raw OCPP command (advanced)…"))
def send_ocpp_command_to_connectors(modeladmin, request, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(reverse("admin:ocpp_gateway_command_send") + f"?connectors={ids}")


# The stations' admin knows no protocol; the gateway adds its send form to their actions.
for _model, _action in ((ChargingStation, send_ocpp_command), (Connector, send_ocpp_command_to_connectors)):
    _model_admin = admin.site.get_model_admin(_model)
    _model_admin.actions = [*(_model_admin.actions or []), _action]


station_panel_register(station_panels.configuration_panel)
station_panel_register(station_panels.message_log_panel)


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "station", "direction", "message_type", "action", "message_id", "note"]
    list_filter = ["direction", "message_type", "action"]
    search_fields = ["station__identity", "=message_id"]
    list_select_related = ["station"]
    date_hierarchy = "created_at"
    # The log is large; counting it on every page would be the slowest part of the page.
    show_full_result_count = False


@admin.register(ConfigurationKey)
class ConfigurationKeyAdmin(ReadOnlyAdmin):
    list_display = ["station", "key", "value", "readonly", "known", "updated_at"]
    list_filter = ["known", "readonly"]
    search_fields = ["station__identity", "key"]
    list_select_related = ["station"]


@admin.register(StationProtocolState)
class StationProtocolStateAdmin(ReadOnlyAdmin):
    list_display = ["station", "local_list_version", "firmware_status", "diagnostics_status", "boot_reason"]
    search_fields = ["station__identity"]


@admin.register(DeviceVariable)
class DeviceVariableAdmin(ReadOnlyAdmin):
    """An OCPP 2.0.1 station's device model, browsable per station and component."""

    list_display = [
        "station",
        "component",
        "component_instance",
        "evse_id",
        "connector_id",
        "variable",
        "variable_instance",
        "attribute_type",
        "value",
        "mutability",
        "updated_at",
    ]
    list_filter = ["attribute_type", "mutability", "component"]
    search_fields = ["station__identity", "component", "variable"]
    list_select_related = ["station"]


@admin.register(StationReport)
class StationReportAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "station", "action", "request_id", "seq_no"]
    list_filter = ["action"]
    search_fields = ["station__identity"]
    list_select_related = ["station"]
    date_hierarchy = "received_at"


@admin.register(TransactionEventRecord)
class TransactionEventRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "transaction_id",
        "seq_no",
        "station",
        "event_type",
        "trigger_reason",
        "stopped_reason",
        "charging_state",
        "offline",
        "timestamp",
        "session",
    ]
    list_filter = ["event_type", "trigger_reason", "offline"]
    search_fields = ["station__identity", "=transaction_id"]
    list_select_related = ["station"]
