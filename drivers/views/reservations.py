"""Portal pages: reserve a connector, list and cancel reservations."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.forms.reservations import ReservationForm
from drivers.models import Reservation
from drivers.selectors.stations import connector_for_driver_action
from drivers.services import charging
from drivers.services import reservations as driver_reservations
from drivers.views.base import driver_required


@driver_required
def reserve(request, connector_pk: int):
    connector = connector_for_driver_action(connector_pk=connector_pk)
    if connector is None:
        raise Http404(_("No such connector."))
    form = ReservationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            charging.reservation_make(driver=request.driver, connector=connector, minutes=form.cleaned_data["minutes"])
        except charging.ChargeRefused as refusal:
            form.add_error(None, str(refusal))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Reservation requested. The charger confirms it in a moment."))
            return redirect("portal-reservations")
    return render(request, "portal/reserve.html", {"form": form, "connector": connector})


@driver_required
def reservation_list(request):
    reservations = (
        Reservation.objects.filter(driver=request.driver).select_related("station__site").order_by("-created_at")[:50]
    )
    return render(request, "portal/reservations.html", {"reservations": reservations})


@require_POST
@driver_required
def reservation_cancel(request, reservation_id: int):
    reservation = Reservation.objects.filter(driver=request.driver, pk=reservation_id).first()
    if reservation is None:
        raise Http404(_("No such reservation."))
    try:
        driver_reservations.reservation_cancel(reservation=reservation, requested_by=request.user, source="portal")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Cancelling the reservation…"))
    return redirect("portal-reservations")
