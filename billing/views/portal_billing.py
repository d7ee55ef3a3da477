"""Driver portal pages that billing owns: billing overview, wallet top-up, memberships
(mounted under /account/ beside drivers' own pages, billing/portal_urls.py)."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors as billing_selectors
from billing.forms import CardSetupForm, SepaSetupForm, SubscribeForm, TopUpForm
from billing.models import BillingAccount, Payment
from billing.selectors import documents
from billing.selectors.payment_methods import invoice_payment_methods, top_up_available
from billing.services import memberships, payments
from billing.views.portal_cards import card_payments_configured, sepa_mandate_text
from drivers.views.base import driver_required


@driver_required
def billing_overview(request):
    driver = request.driver
    currency = driver_currency(driver)
    account = BillingAccount.objects.filter(driver=driver).first()
    invoices = list(documents.invoices_for_driver(driver=driver)[:24])
    for invoice in invoices:
        invoice.pay_methods = invoice_payment_methods(invoice=invoice)
    context = {
        "invoices": invoices,
        "open_invoices": [invoice for invoice in invoices if invoice.status == invoice.Status.OPEN],
        "top_up_available": top_up_available(driver=driver),
        "payments": documents.payments_for_driver(driver=driver)[:24],
        "wallet_balance": billing_selectors.wallet_balance(driver=driver, currency=currency),
        "currency": currency,
        "account": account,
        "has_card": bool(account and account.stripe_payment_method_id),
        "topup_form": TopUpForm(initial={"key": uuid.uuid4()}),
        "card_payments_configured": card_payments_configured(),
        "card_form": CardSetupForm(initial={"key": uuid.uuid4()}),
        "sepa_form": SepaSetupForm(initial={"key": uuid.uuid4()}),
        "mandate_text": sepa_mandate_text(),
        "sepa_mandate": account.sepa_mandates.filter(status="active").first() if account else None,
    }
    if request.GET.get("redirect_status") == "succeeded":
        # Stripe sends the driver back here; the card itself arrives by webhook.
        messages.info(request, _("Your card is being saved; it appears here within a minute."))
    return render(request, "portal/billing.html", context)


@require_POST
@driver_required
def wallet_top_up(request):
    form = TopUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose an amount."))
        return redirect("portal-billing")
    try:
        payment = payments.wallet_top_up(
            driver=request.driver,
            amount=form.cleaned_data["amount"],
            currency=driver_currency(request.driver),
            key=str(form.cleaned_data["key"]),
        )
    except payments.PaymentError as error:
        messages.error(request, str(error))
        return redirect("portal-billing")
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Your wallet is topped up."))
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, _("The payment failed: %(why)s") % {"why": payment.failure_message or _("declined")})
    else:
        messages.info(request, _("Payment in progress; your balance updates when the bank confirms it."))
    return redirect("portal-billing")


@driver_required
def membership(request):
    current = documents.subscription_for_driver(driver=request.driver)
    plans = documents.plans_available().order_by("monthly_fee", "name")
    return render(request, "portal/membership.html", {"current": current, "plans": plans})


@require_POST
@driver_required
def membership_subscribe(request):
    form = SubscribeForm(request.POST)
    plan = documents.plans_available().filter(pk=form.cleaned_data["plan"]).first() if form.is_valid() else None
    if plan is None:
        raise Http404(_("No such plan."))
    try:
        memberships.subscription_start(driver=request.driver, plan=plan, on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Welcome to %(plan)s! Member prices apply from now on.") % {"plan": plan.name})
    return redirect("portal-memberships")


@require_POST
@driver_required
def membership_cancel(request):
    current = documents.subscription_for_driver(driver=request.driver)
    if current is None:
        raise Http404(_("You have no membership."))
    current = memberships.subscription_cancel(subscription=current, on=timezone.localdate())
    messages.success(request, _("Membership cancelled; it runs until %(day)s.") % {"day": current.ends_on})
    return redirect("portal-memberships")


def driver_currency(driver) -> str:
    return driver.emsp.currency if driver.emsp_id else settings.DEFAULT_CURRENCY
