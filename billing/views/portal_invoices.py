"""Portal: paying an open invoice now ("pay now"), with only the methods this site and
this driver can actually use (billing/selectors/payment_methods.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.models import Invoice, Payment
from billing.selectors.payment_methods import invoice_payment_methods
from billing.services import invoice_payments
from billing.services.payments import PaymentError
from drivers.views.base import driver_required


@require_POST
@driver_required
def invoice_pay(request, number: str):
    invoice = Invoice.objects.filter(driver=request.driver, number=number, kind=Invoice.Kind.INVOICE).first()
    if invoice is None:
        raise Http404(_("No such invoice."))
    method = request.POST.get("method", "")
    if method not in invoice_payment_methods(invoice=invoice):
        messages.error(request, _("This way of paying is not available for this invoice."))
        return redirect("portal-billing")
    try:
        if method == "wallet":
            payment = invoice_payments.invoice_pay_from_wallet(invoice=invoice, now=timezone.now())
        else:
            payment = invoice_payments.invoice_pay_by_card(invoice=invoice, now=timezone.now())
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("portal-billing")
    if payment.status == Payment.Status.PENDING and payment.debit_on and not payment.provider_reference:
        messages.info(
            request,
            _("The direct debit is announced by e-mail and taken on %(day)s.") % {"day": date_format(payment.debit_on)},
        )
    elif payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Invoice %(number)s is paid. Thank you!") % {"number": invoice.number})
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, _("The payment failed: %(why)s") % {"why": payment.failure_message or _("declined")})
    else:
        messages.info(request, _("Payment in progress; the invoice shows as paid when the bank confirms it."))
    return redirect("portal-billing")
