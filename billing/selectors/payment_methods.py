"""Which ways of paying are on offer: only those this site has configured (card processor
keys, the issuer's bank account) and this driver can use (a saved card, enough in the wallet)."""

from django.conf import settings

from billing.models import BillingAccount, Invoice, Payment
from billing.selectors.ledger import wallet_balance


def card_payments_available() -> bool:
    """The processor's secret key is set, so a saved card can be charged."""
    return bool(settings.STRIPE_API_KEY)


def bank_transfer_available(*, invoice: Invoice) -> bool:
    """The issuer has a bank account to pay into (stations.Organisation.iban)."""
    return bool(invoice.issuer.iban)


def driver_has_card(*, driver) -> bool:
    return BillingAccount.objects.filter(driver=driver).exclude(stripe_payment_method_id="").exists()


def top_up_available(*, driver) -> bool:
    # Top-ups are taken at once, so by card only (a direct debit settles days later).
    return (
        card_payments_available()
        and BillingAccount.objects.filter(driver=driver, payment_method_type="card")
        .exclude(stripe_payment_method_id="")
        .exists()
    )


def invoice_payment_methods(*, invoice: Invoice) -> list[str]:
    """The methods "pay now" offers for an open invoice: "wallet", "card" or "direct_debit"
    (whichever the saved payment method is), "transfer"."""
    if invoice.status != Invoice.Status.OPEN or invoice.kind != Invoice.Kind.INVOICE:
        return []
    methods = []
    if wallet_balance(driver=invoice.driver, currency=invoice.currency) >= invoice.total_incl_vat:
        methods.append("wallet")
    if card_payments_available() and driver_has_card(driver=invoice.driver):
        account = BillingAccount.objects.get(driver=invoice.driver)
        if account.payment_method_type != "sepa_debit":
            methods.append("card")
        elif not invoice.payments.filter(status=Payment.Status.PENDING, method_type="sepa_debit").exists():
            # A debit already announced or under way is not offered again.
            methods.append("direct_debit")
    if bank_transfer_available(invoice=invoice):
        methods.append("transfer")
    return methods
