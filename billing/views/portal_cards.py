"""Portal pages: saving and removing a payment card."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.forms import CardSetupForm
from billing.services import cards
from billing.services.providers import CardSetupError
from drivers.views.base import driver_required


def card_payments_configured() -> bool:
    """Both halves of Stripe are needed: the secret key here, the publishable key in the browser."""
    return bool(settings.STRIPE_API_KEY and settings.STRIPE_PUBLISHABLE_KEY)


@require_POST
@driver_required
def card_setup(request):
    if not card_payments_configured():
        messages.error(request, _("Card payments are not configured on this site yet."))
        return redirect("portal-billing")
    form = CardSetupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form expired; please try again."))
        return redirect("portal-billing")
    try:
        client_secret = cards.card_setup_begin(driver=request.driver, key=str(form.cleaned_data["key"]))
    except CardSetupError as error:
        messages.error(request, _("The card form could not be opened: %(why)s") % {"why": error})
        return redirect("portal-billing")
    context = {
        "client_secret": client_secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(reverse("portal-billing")),
    }
    return render(request, "portal/card_setup.html", context)


@require_POST
@driver_required
def card_remove(request):
    try:
        removed = cards.card_remove(driver=request.driver)
    except CardSetupError as error:
        messages.error(request, _("The card could not be removed right now: %(why)s") % {"why": error})
        return redirect("portal-billing")
    if removed:
        messages.success(request, _("Your card is removed."))
    else:
        messages.info(request, _("No card is saved."))
    return redirect("portal-billing")
