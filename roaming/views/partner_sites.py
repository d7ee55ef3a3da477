"""The portal's page of a partner CPO's site (another network's Location found in the
search): its EVSEs with their availability and connectors, the price our driver pays, and
a Start and a Reserve button per EVSE. A start asks the partner (START_SESSION), a
reservation RESERVE_NOW (CANCEL_RESERVATION to drop it); the page then follows
the partner's answer and the charger's result, which arrive asynchronously."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.forms.reservations import ReservationForm
from drivers.services.tokens import driver_app_token
from drivers.views.base import driver_required
from roaming.models import Partner, PartnerLocation, PartnerSession, SentCommand
from roaming.selectors.partner_locations import partner_site_detail
from roaming.selectors.sent_commands import partner_reservations_open
from roaming.services.sent_commands import (
    CommandRefused,
    partner_charge_start,
    partner_charge_stop,
    partner_reservation_cancel,
    partner_reservation_make,
)


def partner_site(request, country_code: str, party_id: str, location_id: str):
    result = partner_site_detail(
        country_code=country_code, party_id=party_id, location_id=location_id, at=timezone.now()
    )
    if result is None:
        raise Http404(_("No such charging site."))
    command = None
    if request.user.is_authenticated and request.GET.get("command", "").isdigit():
        command = _sent_or_none(request.user, int(request.GET["command"]))
    sessions, reservations = [], []
    location = _published_location(country_code, party_id, location_id)
    if request.user.is_authenticated and location is not None:
        reservations = partner_reservations_open(
            user=request.user, partner_id=location.partner_id, location_id=location.location_id
        )
        # The driver's running sessions here, as the CPO last pushed them: each gets a Stop button.
        sessions = PartnerSession.objects.filter(
            token__driver__user=request.user,
            country_code=country_code.upper(),
            party_id=party_id.upper(),
            status__in=("PENDING", "ACTIVE"),
            data__location_id=location_id,
        )
    context = {
        "result": result,
        "command": command,
        "state": command and _state(command),
        "sessions": sessions,
        "reservations": reservations,
        # One form per EVSE on the page: no ids, or they would repeat.
        "reservation_form": ReservationForm(auto_id=False),
    }
    return render(request, "portal/partner_site.html", context)


def _published_location(country_code: str, party_id: str, location_id: str) -> PartnerLocation | None:
    return (
        PartnerLocation.objects.filter(publish=True, partner__status=Partner.Status.REGISTERED)
        .select_related("partner")
        .filter(country_code=country_code.upper(), party_id=party_id.upper(), location_id=location_id)
        .first()
    )


def _evse_location(request, country_code: str, party_id: str, location_id: str) -> tuple[PartnerLocation, str]:
    """The Location and the EVSE uid the form names; 404 for one the partner does not publish."""
    location = _published_location(country_code, party_id, location_id)
    evse_uid = request.POST.get("evse_uid", "")
    if location is None or evse_uid not in {evse.get("uid") for evse in location.data.get("evses") or []}:
        raise Http404(_("No such charging point."))
    return location, evse_uid


def _follow(request, country_code: str, party_id: str, location_id: str, send) -> HttpResponseRedirect:
    """Back to the page, following the command `send()` made (or with the refusal's words)."""
    page = redirect("portal-partner-site", country_code, party_id, location_id)
    try:
        sent = send()
    except CommandRefused as refusal:
        messages.error(request, str(refusal))
        return page
    page["Location"] += f"?command={sent.pk}"
    return page


@require_POST
@driver_required
def partner_site_start(request, country_code: str, party_id: str, location_id: str):
    location, evse_uid = _evse_location(request, country_code, party_id, location_id)
    token = driver_app_token(driver=request.driver)
    return _follow(
        request,
        country_code,
        party_id,
        location_id,
        lambda: partner_charge_start(token=token, location=location, evse_uid=evse_uid),
    )


@require_POST
@driver_required
def partner_site_reserve(request, country_code: str, party_id: str, location_id: str):
    location, evse_uid = _evse_location(request, country_code, party_id, location_id)
    form = ReservationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long to hold the charging point."))
        return redirect("portal-partner-site", country_code, party_id, location_id)
    token = driver_app_token(driver=request.driver)
    minutes = form.cleaned_data["minutes"]
    return _follow(
        request,
        country_code,
        party_id,
        location_id,
        lambda: partner_reservation_make(token=token, location=location, evse_uid=evse_uid, minutes=minutes),
    )


@require_POST
@driver_required
def partner_site_reservation_cancel(request, country_code: str, party_id: str, location_id: str):
    pk = request.POST.get("reservation", "")
    reservation = pk.isdigit() and (
        SentCommand.objects.select_related("partner", "token")
        .filter(pk=int(pk), command="RESERVE_NOW", token__driver__user=request.user)
        .first()
    )
    if not reservation:
        raise Http404(_("No such reservation."))
    return _follow(
        request,
        country_code,
        party_id,
        location_id,
        lambda: partner_reservation_cancel(token=reservation.token, reservation=reservation),
    )


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
    return _follow(
        request, country_code, party_id, location_id, lambda: partner_charge_stop(token=session.token, session=session)
    )


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
    elif sent.result == "ACCEPTED" and sent.command == "RESERVE_NOW":
        text = _("The charger holds this charging point for you until %(time)s.") % {
            "time": date_format(timezone.localtime(sent.expires_at), "TIME_FORMAT")
        }
    elif sent.result in ("CANCELED_RESERVATION", "UNKNOWN_RESERVATION"):
        text = _("Your reservation is cancelled.")
    elif sent.result == "EVSE_OCCUPIED":
        text = _("The charging point is in use; it could not be held for you.")
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
