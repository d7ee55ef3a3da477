"""The admin's station page: above the station's form, what staff need to look after it —
live connectors with their current session, commands as named buttons (a confirmation
before the disruptive ones), recent command results in words, recent sessions, open
incidents and 30-day uptime per port. Protocol adapters add their own panels
(configuration keys, the message log) through `station_panel_register`, since stations
never imports them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from stations.models import ChargingSession, ChargingStation, CommandRequest, Incident
from stations.operations.selectors.uptime import uptime_percent, uptime_rows
from stations.operations.services import health


@dataclass(frozen=True)
class StationCommand:
    kind: str  # a key of health.STATION_COMMANDS
    label: str
    per_connector: bool
    disruptive: str = ""  # why it needs a confirmation; empty: none


STATION_COMMANDS = (
    StationCommand("trigger_status", _lazy("Ask for its status"), per_connector=False),
    StationCommand("get_configuration", _lazy("Read its configuration"), per_connector=False),
    StationCommand("clear_cache", _lazy("Clear its authorization cache"), per_connector=False),
    StationCommand(
        "reset_soft",
        _lazy("Restart (soft reset)"),
        per_connector=False,
        disruptive=_lazy("Running sessions are stopped and the charger reboots."),
    ),
    StationCommand(
        "reset_hard",
        _lazy("Reboot (hard reset)"),
        per_connector=False,
        disruptive=_lazy("The charger power-cycles at once: running sessions end abruptly."),
    ),
    StationCommand(
        "unlock",
        _lazy("Unlock the cable"),
        per_connector=True,
        disruptive=_lazy("A session on this connector is stopped and the cable released."),
    ),
    StationCommand("operative", _lazy("Make available"), per_connector=True),
    StationCommand(
        "inoperative",
        _lazy("Take out of service"),
        per_connector=True,
        disruptive=_lazy("Drivers cannot charge on it until it is made available again."),
    ),
)
COMMANDS_BY_KIND = {command.kind: command for command in STATION_COMMANDS}
RECENT = 10


@dataclass(frozen=True)
class StationPanel:
    title: str
    template: str
    context: dict


_panels: list[Callable[[ChargingStation], StationPanel | None]] = []


def station_panel_register(panel: Callable[[ChargingStation], StationPanel | None]) -> None:
    """Add a panel to every station page; `panel(station)` returns it (or None to skip)."""
    if panel not in _panels:
        _panels.append(panel)


def station_page_context(*, station: ChargingStation) -> dict:
    connectors = list(station.connectors.order_by("connector_id"))
    active = {
        session.connector_id: session
        for session in ChargingSession.objects.filter(station=station, status=ChargingSession.Status.ACTIVE)
    }
    uptime = _port_uptime(station)
    return {
        "station": station,
        "time_zone": station.site.time_zone,
        "connectors": [
            {"connector": c, "session": active.get(c.pk), "uptime": uptime.get(c.connector_id)} for c in connectors
        ],
        "station_commands": [c for c in STATION_COMMANDS if not c.per_connector],
        "connector_commands": [c for c in STATION_COMMANDS if c.per_connector],
        "recent_commands": [
            {"command": command, "label": command_label(command), "result": command_result_words(command)}
            for command in station.commands.select_related("requested_by").order_by("-created_at")[:RECENT]
        ],
        "recent_sessions": ChargingSession.objects.filter(station=station)
        .select_related("connector")
        .order_by("-started_at")[:RECENT],
        "incidents": Incident.objects.filter(station=station, status__in=Incident.ACTIVE_STATUSES).order_by(
            "-severity", "-last_seen_at"
        ),
        "panels": [panel for panel in (make(station) for make in _panels) if panel is not None],
    }


def command_label(command: CommandRequest) -> str:
    """ "Reset (hard)", "Unlock connector #2", "raw DataTransfer"."""
    if command.action == CommandRequest.Action.RAW:
        return command.action_label
    parameters = command.parameters if isinstance(command.parameters, dict) else {}
    details = []
    if "type" in parameters:
        details.append(str(parameters["type"]))
    if "operative" in parameters:
        details.append(_("operative") if parameters["operative"] else _("inoperative"))
    label = str(command.get_action_display())
    if parameters.get("connector"):
        label += f" #{parameters['connector']}"
    return f"{label} ({', '.join(details)})" if details else label


def command_result_words(command: CommandRequest) -> str:
    """The charger's answer as a sentence, never raw JSON."""
    if command.status in (CommandRequest.Status.PENDING, CommandRequest.Status.SENT):
        return str(command.get_status_display())
    words = [str(command.get_status_display())]
    result = command.result if isinstance(command.result, dict) else {}
    if result.get("status") and str(result["status"]).lower() != command.status:
        words.append(_("charger said %(status)s") % {"status": result["status"]})
    if command.action == CommandRequest.Action.GET_CONFIGURATION and "keys" in result:
        words.append(_("%(n)d keys read") % {"n": len(result["keys"])})
    if command.error_description or command.error_code:
        words.append(command.error_description or command.error_code)
    return " · ".join(words)


def station_command_view(model_admin, request, object_id: str):
    """POST kind (and connector): disruptive commands first show a confirmation page; the
    command goes through the same service as the ops dashboard's buttons."""
    station = get_object_or_404(ChargingStation.objects.select_related("site"), pk=object_id)
    back = reverse("admin:stations_chargingstation_change", args=[station.pk])
    if request.method != "POST" or not model_admin.has_change_permission(request, station):
        return HttpResponseRedirect(back)
    command = COMMANDS_BY_KIND.get(request.POST.get("kind", ""))
    connector_number = request.POST.get("connector", "0")
    if command is None or not connector_number.isdigit():
        messages.error(request, _("Choose a command from the station page."))
        return HttpResponseRedirect(back)
    if command.disruptive and request.POST.get("confirmed") != "yes":
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Confirm: %(command)s") % {"command": command.label},
            "station": station,
            "command": command,
            "connector_number": int(connector_number),
            "back": back,
            "opts": model_admin.model._meta,
        }
        return TemplateResponse(request, "admin/stations/chargingstation/confirm_command.html", context)
    try:
        sent = health.station_command_send(
            station=station, kind=command.kind, connector_number=int(connector_number), user=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    where = _(" on connector %(n)s") % {"n": connector_number} if command.per_connector else ""
    messages.success(
        request,
        _("Queued “%(command)s”%(where)s; its answer appears under Recent commands.")
        % {"command": command.label, "where": where},
    )
    return HttpResponseRedirect(f"{back}#commands" if sent else back)


def _port_uptime(station: ChargingStation) -> dict[int, object]:
    today = timezone.now().date()
    rows = uptime_rows(station_ids=[station.pk], start=today - timedelta(days=30), end=today)
    totals: dict[int, list[int]] = {}
    for row in rows.values("connector_number", "period_seconds", "down_seconds", "unknown_seconds"):
        total = totals.setdefault(row["connector_number"], [0, 0, 0])
        total[0] += row["period_seconds"]
        total[1] += row["down_seconds"]
        total[2] += row["unknown_seconds"]
    return {
        number: uptime_percent(period_seconds=p, down_seconds=d, unknown_seconds=u)
        for number, (p, d, u) in totals.items()
    }
