"""Portal pages: start a charge, follow the command, the live session, stop, history."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from drivers.selectors import sessions as drivers_sessions
from drivers.selectors.stations import connector_for_charge_start, station_site_id
from drivers.services import charging
from drivers.views.base import driver_required
from stations import prices
from stations.models import CommandRequest
from stations.services.charging import ChargeRefused, charge_stop

NO_ANSWER = gettext_lazy("The charger did not answer. Please try again or use another charger.")


START_MESSAGES = {
    CommandRequest.Status.REJECTED: gettext_lazy(
        "The charger refused to start. Check the cable is plugged in and try again."
    ),
    CommandRequest.Status.FAILED: gettext_lazy(
        "The charger could not process the request. Please try another connector."
    ),
    CommandRequest.Status.TIMED_OUT: NO_ANSWER,
    CommandRequest.Status.EXPIRED: NO_ANSWER,
}


STOP_NO_ANSWER = gettext_lazy(
    "The charger did not answer. Stop the session at the charger or with your card; you pay only what was charged."
)


STOP_MESSAGES = {
    CommandRequest.Status.REJECTED: gettext_lazy(
        "The charger refused to stop. Stop the session at the charger or with your card."
    ),
    CommandRequest.Status.FAILED: STOP_NO_ANSWER,
    CommandRequest.Status.TIMED_OUT: STOP_NO_ANSWER,
    CommandRequest.Status.EXPIRED: STOP_NO_ANSWER,
}


@require_POST
@driver_required
def charge_start(request, connector_pk: int):
    connector = connector_for_charge_start(connector_pk=connector_pk)
    if connector is None:
        raise Http404(_("No such connector."))
    try:
        command = charging.charge_start_for_driver(
            driver=request.driver, connector=connector, source=CommandRequest.Source.PORTAL
        )
    except ChargeRefused as refusal:
        # The code rides along as a tag, the same code every other door gives.
        messages.error(request, refusal.message, extra_tags=refusal.code)
        if station_site_id(station_id=connector.station_id) is None:
            return redirect("portal-home")  # not public: its site page would be a 404
        return redirect("portal-site", connector.station.site_id)
    return redirect("portal-command", command.pk)


@driver_required
def command_page(request, command_id: int):
    command = _command_or_404(request, command_id)
    return render(request, "portal/command.html", {"command": command, "state": _command_state(request, command)})


@driver_required
def command_status(request, command_id: int):
    return JsonResponse(_command_state(request, _command_or_404(request, command_id)))


@driver_required
def session_page(request, session_id: int):
    session = _session_or_404(request, session_id)
    stop_command = None
    if request.GET.get("stop", "").isdigit():
        stop_command = drivers_sessions.driver_command(driver=request.driver, command_id=int(request.GET["stop"]))
    context = {
        "chat_about": f"session={session.pk}",
        "stop_command": stop_command,
        "session": session,
        "state": drivers_sessions.session_live_state(session),
        "cdr": prices.session_receipt(session=session),
        "live_session": {"id": session.pk},
    }
    return render(request, "portal/session.html", context)


@driver_required
def session_status(request, session_id: int):
    return JsonResponse(drivers_sessions.session_live_state(_session_or_404(request, session_id)))


@require_POST
@driver_required
def session_stop(request, session_id: int):
    session = _session_or_404(request, session_id)
    try:
        command = charge_stop(session=session, requested_by=request.user, source=CommandRequest.Source.PORTAL)
    except ChargeRefused as refusal:
        messages.error(request, refusal.message, extra_tags=refusal.code)
        return redirect("portal-session", session.pk)
    messages.info(request, _("Stopping… the charger will end the session in a moment."))
    # The page follows this command and says so if the charger refuses or stays silent.
    return redirect(f"{reverse('portal-session', args=[session.pk])}?stop={command.pk}")


@driver_required
def session_list(request):
    page = list(drivers_sessions.driver_sessions(driver=request.driver)[:100])
    costs = prices.session_costs(sessions=page)
    rows = [{"session": s, "cost": costs.get(s.pk)} for s in page]
    active = [row for row in rows if row["session"].status == row["session"].Status.ACTIVE]
    return render(request, "portal/sessions.html", {"rows": rows, "active": active})


def _command_or_404(request, command_id: int) -> CommandRequest:
    command = drivers_sessions.driver_command(driver=request.driver, command_id=command_id)
    if command is None:
        raise Http404(_("No such request."))
    return command


def _session_or_404(request, session_id: int):
    session = drivers_sessions.driver_session(driver=request.driver, session_id=session_id)
    if session is None:
        raise Http404(_("No such session."))
    return session


def _command_state(request, command: CommandRequest) -> dict:
    session = None
    if command.action == CommandRequest.Action.START and command.status == CommandRequest.Status.ACCEPTED:
        session = drivers_sessions.session_started_by(driver=request.driver, command=command)
    return {
        "status": command.status,
        "final": command.is_final,
        "message": str(
            (STOP_MESSAGES if command.action == CommandRequest.Action.STOP else START_MESSAGES).get(command.status, "")
        ),
        "session_url": reverse("portal-session", args=[session.pk]) if session else None,
    }
