"""Pay-as-you-go pages (EU AFIR ad hoc), public: the page an EVSE's QR code opens (price
incl. VAT, availability, pay by card), then the charge's own page, reached by its secret
key, which follows the start, the live session and the receipt. Rules live in
billing.services.ad_hoc; these views translate forms and refusals."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.forms import PayAsYouGoForm
from billing.models import Payment
from billing.selectors import ad_hoc as ad_hoc_selectors
from billing.selectors.cdrs import cdr_in_force
from billing.services import ad_hoc
from billing.views.portal_cards import card_payments_configured
from drivers.login_throttle import client_address
from drivers.selectors.sessions import session_live_state
from drivers.selectors.stations import connector_availability
from drivers.views.charging import START_MESSAGES, STOP_MESSAGES
from stations import live, prices
from stations.models import CommandRequest
from stations.services.charging import ChargeRefused

# Card testers try stolen numbers on public pay forms: each address gets a few card
# attempts an hour (a driver retyping a mistyped card stays well below).
PAY_ATTEMPTS_PER_HOUR = 10


def evse_page(request, identity: str, evse: int):
    connectors = ad_hoc_selectors.evse_connectors(identity=identity, evse_number=evse)
    if not connectors:
        raise Http404(_("No such charge point."))
    rows = _connector_rows(connectors)
    payable = [row["connector"] for row in rows if row["payable"]]
    form = None
    if payable and card_payments_configured():
        form = PayAsYouGoForm(request.POST or None, connectors=payable, initial={"key": uuid.uuid4()})
    if request.method == "POST" and form is not None and form.is_valid():
        if not _pay_attempt_allowed(request):
            messages.error(request, _("Too many payment attempts from here. Please try again in an hour."))
            return redirect("pay-evse", identity=identity, evse=evse)
        connector = next(c for c in payable if c.connector_id == form.cleaned_data["connector"])
        try:
            charge = ad_hoc.ad_hoc_charge_begin(
                connector=connector,
                payment_method=form.cleaned_data["payment_method"],
                email=form.cleaned_data["email"],
                client_key=str(form.cleaned_data["key"]),
            )
        except ad_hoc.AdHocError as error:
            messages.error(request, error.message, extra_tags=error.code)
            return redirect("pay-evse", identity=identity, evse=evse)
        return redirect("pay-charge", key=charge.key)
    context = {
        "station": connectors[0].station,
        "site": connectors[0].station.site,
        "evse": evse,
        "rows": rows,
        "form": form,
        "card_payments": card_payments_configured(),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "hold": settings.BILLING_AD_HOC_PREAUTH_AMOUNT,
        "currency": next((row["currency"] for row in rows if row["currency"]), None),
        "live_stations": [connectors[0].station_id],
    }
    # Reached with a bound form only when it was invalid (a tampered or expired page).
    return render(request, "portal/pay_evse.html", context, status=400 if form is not None and form.is_bound else 200)


def _pay_attempt_allowed(request) -> bool:
    key = f"payg-attempts:{client_address(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired (or the cache was unreachable) between add and incr
        return True
    return attempts <= PAY_ATTEMPTS_PER_HOUR


def _connector_rows(connectors) -> list[dict]:
    price_words = prices.connector_prices(connectors=connectors)
    rows = []
    for connector in connectors:
        try:
            ad_hoc.evse_payable_check(connector=connector)
            why_not = ""
        except ad_hoc.AdHocError as error:
            why_not = error.message
        rows.append(
            {
                "connector": connector,
                "availability": connector_availability(connector=connector, station=connector.station),
                "price": price_words.get(connector.pk),
                "currency": ad_hoc_selectors.ad_hoc_currency(connector=connector),
                "payable": not why_not,
                "why_not": why_not,
            }
        )
    return rows


def charge_page(request, key: str):
    charge = _charge_or_404(key)
    session = ad_hoc_selectors.ad_hoc_session(charge=charge)
    context = {"charge": charge, "payment": charge.payment, "session": session, "stage": _stage(charge, session)}
    if session is not None:
        # This browser paid for the session: it may follow it over the live socket.
        live.visitor_session_grant(store=request.session, session_id=session.pk)
        stop = charge.stop_command if request.GET.get("stop") and charge.stop_command_id else None
        context.update(
            state=session_live_state(session),
            cdr=_receipt(charge, session),
            released=charge.hold_amount - charge.payment.captured_amount,
            live_session={"id": session.pk},
            status_url=reverse("pay-charge-status", args=[key]),
            stop_url=reverse("pay-charge-stop", args=[key]),
            stop_status_url=reverse("pay-command-status", args=[key, stop.pk]) if stop else "",
        )
    return render(request, "portal/pay_charge.html", context)


def charge_status(request, key: str):
    """The page's poll: the stage, and once there is a session the live view's fields."""
    charge = _charge_or_404(key)
    session = ad_hoc_selectors.ad_hoc_session(charge=charge)
    state = session_live_state(session) if session else {}
    state["stage"] = _stage(charge, session)
    state["receipt"] = bool(session and _receipt(charge, session))
    return JsonResponse(state)


def command_status(request, key: str, command_id: int):
    """How the charge's start or stop request is going, as the portal's command poll says it."""
    charge = _charge_or_404(key)
    command = {charge.start_command_id: charge.start_command, charge.stop_command_id: charge.stop_command}.get(
        command_id
    )
    if command is None:
        raise Http404(_("No such request."))
    words = STOP_MESSAGES if command.action == CommandRequest.Action.STOP else START_MESSAGES
    return JsonResponse(
        {"status": command.status, "final": command.is_final, "message": str(words.get(command.status, ""))}
    )


@require_POST
def charge_stop(request, key: str):
    charge = _charge_or_404(key)
    try:
        command = ad_hoc.ad_hoc_charge_stop(charge=charge)
    except ChargeRefused as refusal:
        messages.error(request, refusal.message, extra_tags=refusal.code)
        return redirect("pay-charge", key=key)
    messages.info(request, _("Stopping… the charger will end the session in a moment."))
    return redirect(f"{reverse('pay-charge', args=[key])}?stop={command.pk}")


def _charge_or_404(key: str):
    charge = ad_hoc_selectors.ad_hoc_charge(key=key)
    if charge is None:
        raise Http404(_("No such payment."))
    return charge


def _receipt(charge, session):
    """The session's CDR once the card is settled for it (captured, or released for a zero
    price): the receipt shows both, so it waits for the capture that follows pricing."""
    if charge.payment.status == Payment.Status.REQUIRES_CAPTURE:
        return None
    return cdr_in_force(session_id=session.pk)


def _stage(charge, session) -> str:
    """starting → charging → finished (→ receipt on the page); or failed/released."""
    if session is not None:
        return "charging" if session.status == session.Status.ACTIVE else "finished"
    if charge.payment.status == Payment.Status.CANCELED:
        return "released"
    command = charge.start_command
    if command is not None and command.is_final and command.status != CommandRequest.Status.ACCEPTED:
        return "failed"
    return "starting"
