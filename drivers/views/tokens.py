"""Portal pages: cards (tokens) and vehicles."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drivers.forms.vehicles import VehicleForm
from drivers.services import tokens as driver_tokens
from drivers.services import vehicles
from drivers.views.base import driver_required


@driver_required
def tokens_and_vehicles(request):
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vehicles.vehicle_add(driver=request.driver, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Vehicle added."))
            return redirect("portal-tokens")
    context = {
        "tokens": request.driver.tokens.order_by("status", "uid"),
        "vehicles": request.driver.vehicles.order_by("pk"),
        "form": form,
    }
    return render(request, "portal/tokens.html", context)


@require_POST
@driver_required
def token_block(request, token_pk: int):
    token = request.driver.tokens.filter(pk=token_pk).first()
    if token is None:
        raise Http404(_("No such card."))
    driver_tokens.token_block(token=token)
    messages.success(request, _("Card %(uid)s is blocked. Nobody can charge with it any more.") % {"uid": token.uid})
    return redirect("portal-tokens")


@require_POST
@driver_required
def vehicle_remove(request, vehicle_pk: int):
    deleted, _count = request.driver.vehicles.filter(pk=vehicle_pk).delete()
    if not deleted:
        raise Http404(_("No such vehicle."))
    messages.success(request, _("Vehicle removed."))
    return redirect("portal-tokens")
