"""The portal's page of a partner CPO's site (another network's Location found in the
search): its EVSEs with their availability and connectors, the price our driver pays, and
a Start button per EVSE. A start asks the partner (START_SESSION); the page then follows
the partner's answer and the charger's result, which arrive asynchronously."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.services.tokens import driver_app_token
from drivers.views.base import driver_required
from roaming.models import Partner, PartnerLocation, PartnerSession, SentCommand
from roaming.selectors.partner_locations import partner_site_detail
from roaming.services.sent_commands import CommandRefused, partner_charge_start, partner_charge_stop


def partner_site(request, country_code: str, party_id: str, location_id: str):
    result = partner_site_detail(
        country_code=country_code, party_id=party_id, location_id=location_id, at=timezone.now()
    )
    if result is None:
        raise Http404(_("No such charging site."))
    command = None
    if request.user.is_authenticated and request.GET.get("command", "").isdigit():
        command = _sent_or_none(request.user, int(request.GET["command"]))
    sessions = []
    if request.user.is_authenticated:
        # The driver's running sessions here, as the CPO last pushed them: each gets a Stop button.
        sessions = PartnerSession.objects.filter(
            token__driver__user=request.user,
            country_code=country_code.upper(),
            party_id=party_id.upper(),
            status__in=("PENDING", "ACTIVE"),
            data__location_id=location_id,
        )
    context = {"result": result, "command": command, "state": command and _state(command), "sessions": sessions}
    return render(request, "portal/partner_site.html", context)


@require_POST
@driver_required
def partner_site_start(request, country_code: str, party_id: str, location_id: str):
    location = (
        PartnerLocation.objects.filter(publish=True, partner__status=Partner.Status.REGISTERED)
        .select_related("partner")
        .filter(country_code=country_code.upper(), party_id=party_id.upper(), location_id=location_id)
        .first()
    )
    evse_uid = request.POST.get("evse_uid", "")
    if location is None or evse_uid not in {evse.get("uid") for evse in location.data.get("evses") or []}:
        raise Http404(_("No such charging point."))
    page = redirect("portal-partner-site", country_code, party_id, location_id)
    try:
        sent = partner_charge_start(token=driver_app_token(driver=request.driver), location=location, evse_uid=evse_uid)
    except CommandRefused as refusal:
        messages.error(request, str(refusal))
        return page
    page["Location"] += f"?command={sent.pk}"
    return page


@require_POST
@driver_required
def partner_site_stop(request, country_code: str, party_id: str, location_id: str):
    session_pk = request.POST.get("session", "")
    session = session_pk.isdigit() and (
        PartnerSession.objects.select_related("partner", "token")
        .filter(pk=int(session_pk), token__driver__user=request.user)
        .first()
    )
    if not session:
        raise Http404(_("No such charging session."))
    page = redirect("portal-partner-site", country_code, party_id, location_id)
    try:
        sent = partner_charge_stop(token=session.token, session=session)
    except CommandRefused as refusal:
        messages.error(request, str(refusal))
        return page
    page["Location"] += f"?command={sent.pk}"
    return page


@driver_required
def partner_command_status(request, command_id: int):
    sent = _sent_or_none(request.user, command_id)
    if sent is None:
        raise Http404(_("No such request."))
    return JsonResponse(_state(sent))


def _sent_or_none(user, command_id: int) -> SentCommand | None:
    return SentCommand.objects.filter(pk=command_id, token__driver__user=user).first()


def _state(sent: SentCommand) -> dict:
    """What the page shows: the partner's answer, then the charger's result."""
    done = bool(sent.result) or sent.response not in ("", "ACCEPTED")
    if sent.result == "ACCEPTED" and sent.command == "STOP_SESSION":
        text = _("The charger is stopping your session.")
    elif sent.result == "ACCEPTED":
        text = _("The charger accepted: plug in and charging starts.")
    elif sent.result:
        text = _("The charger did not do it (%(result)s). Please try again or use the charger.") % {
            "result": sent.result
        }
    elif sent.response == "ACCEPTED":
        text = _("The network accepted the request; waiting for the charger…")
    elif sent.response:
        text = _("The network refused the request (%(response)s).") % {"response": sent.response}
    else:
        text = _("Asking the network…")
    return {"response": sent.response, "result": sent.result, "done": done, "text": text}
