"""The driver portal's billing pages, mounted under /account/ (config/urls.py) beside
drivers' own account pages: billing owns these doors because it owns their nouns."""

from django.urls import path

from billing.views import portal_billing, portal_cards, portal_invoices

urlpatterns = [
    path("billing/", portal_billing.billing_overview, name="portal-billing"),
    path("billing/top-up/", portal_billing.wallet_top_up, name="portal-top-up"),
    path("billing/invoices/<str:number>/pay/", portal_invoices.invoice_pay, name="portal-invoice-pay"),
    path("billing/card/", portal_cards.card_setup, name="portal-card-setup"),
    path("billing/card/remove/", portal_cards.card_remove, name="portal-card-remove"),
    path("billing/direct-debit/", portal_cards.sepa_setup, name="portal-sepa-setup"),
    path("membership/", portal_billing.membership, name="portal-memberships"),
    path("membership/subscribe/", portal_billing.membership_subscribe, name="portal-membership-subscribe"),
    path("membership/cancel/", portal_billing.membership_cancel, name="portal-membership-cancel"),
]
