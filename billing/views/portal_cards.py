"""Portal pages: saving and removing a payment card, and saving an IBAN under a SEPA
direct debit mandate (offered only where the card processor is configured)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.forms import CardSetupForm, SepaSetupForm
from billing.services import cards, sepa_debits
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


def sepa_mandate_text() -> str:
    return sepa_debits.sepa_mandate_text(creditor=settings.OCPI_BUSINESS_NAME)


@require_POST
@driver_required
def sepa_setup(request):
    if not card_payments_configured():
        messages.error(request, _("Direct debit is not configured on this site."))
        return redirect("portal-billing")
    form = SepaSetupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please accept the direct debit mandate to continue."))
        return redirect("portal-billing")
    try:
        client_secret = sepa_debits.sepa_setup_begin(
            driver=request.driver,
            key=str(form.cleaned_data["key"]),
            mandate_text=sepa_mandate_text(),
            ip_address=request.META.get("REMOTE_ADDR", ""),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            now=timezone.now(),
        )
    except CardSetupError as error:
        messages.error(request, _("The direct debit form could not be opened: %(why)s") % {"why": error})
        return redirect("portal-billing")
    context = {
        "client_secret": client_secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(reverse("portal-billing")),
        "mandate_text": sepa_mandate_text(),
    }
    return render(request, "portal/sepa_setup.html", context)


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
