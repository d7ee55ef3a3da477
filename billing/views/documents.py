"""Thin HTTP shells: the Stripe webhook, and document downloads (invoice PDF for its
driver or staff; settlement statements as PDF/CSV for staff and the owner they are for)."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing.models import Invoice
from billing.pdf import invoice_pdf, statement_pdf, statement_summary
from billing.selectors.api_access import statements_visible_to
from billing.services.webhooks import WebhookError, stripe_webhook_receive


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        stripe_webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except WebhookError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    return HttpResponse(status=200)


@login_required
@require_GET
def invoice_pdf_download(request, number: str):
    invoice = get_object_or_404(Invoice.objects.select_related("driver__user", "issuer", "credits"), number=number)
    if not request.user.is_staff and getattr(request.user, "driver", None) != invoice.driver:
        raise Http404
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@login_required
@require_GET
def statement_download(request, pk: int, fmt: str):
    if fmt not in ("pdf", "csv"):
        raise Http404
    # The API's scope: staff every statement, an owner's members its own, others none (404).
    statement = get_object_or_404(statements_visible_to(user=request.user), pk=pk)
    name = f"statement-{statement.party_id}-{statement.role}-{statement.period_start:%Y-%m}"
    if fmt == "pdf":
        response = HttpResponse(statement_pdf(statement=statement), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "month",
            "adjustment",
            "station",
            "sessions",
            "energy_wh",
            "gross_incl_vat",
            "vat",
            "net",
            "commission",
            "owner_share",
            "currency",
        ]
    )
    for line in statement.lines:
        writer.writerow(
            [
                line.get("month", f"{statement.period_start:%Y-%m}"),
                "yes" if line.get("adjustment") else "no",
                line["station"],
                line["sessions"],
                line["energy_wh"],
                line["gross"],
                line["vat"],
                line["net"],
                line["commission"],
                line["owner_share"],
                statement.currency,
            ]
        )
    writer.writerow([])
    for label, amount in statement_summary(statement=statement):
        writer.writerow([label, amount, statement.currency])
    if statement.due_on:
        writer.writerow(["Due on", statement.due_on.isoformat()])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
