from django.urls import path

from billing.views import documents as views

app_name = "billing"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("invoices/<str:number>.pdf", views.invoice_pdf_download, name="invoice-pdf"),
    path("statements/<int:pk>.<str:fmt>", views.statement_download, name="statement-download"),
]
