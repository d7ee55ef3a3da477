"""Staff pages for drivers' billing accounts (with the wallet refund) and the countries'
currencies and VAT rates."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import BillingAccount, CountryRate
from billing.money import money_text
from billing.selectors.ledger import wallet_balance, wallet_currencies
from billing.services.payments import PaymentError
from billing.services.wallet_refunds import wallet_refund


@admin.register(CountryRate)
class CountryRateAdmin(admin.ModelAdmin):
    """A VAT change is a new row from its date; the old row stays for the sessions before."""

    list_display = ["country", "currency", "vat_rate", "valid_from"]
    list_filter = ["country", "currency"]


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ["driver", "mode", "stripe_customer_id", "low_balance_threshold"]
    list_filter = ["mode"]
    search_fields = ["driver__user__email", "stripe_customer_id"]
    raw_id_fields = ["driver"]
    actions = ["refund_wallet"]

    @admin.action(description=_("Refund the wallet balance to the cards it came from"))
    def refund_wallet(self, request, queryset):
        # A second click finds nothing left: the balance check counts refunds under way.
        key = f"admin-{timezone.now().isoformat()}"
        for account in queryset.filter(mode=BillingAccount.Mode.WALLET).select_related("driver"):
            for currency in wallet_currencies(driver=account.driver):
                balance = wallet_balance(driver=account.driver, currency=currency)
                if balance <= 0:
                    continue
                try:
                    wallet_refund(driver=account.driver, amount=balance, currency=currency, key=key)
                except PaymentError as error:
                    self.message_user(request, f"{account.driver}: {error}", messages.ERROR)
                else:
                    text = _("%(driver)s: %(amount)s %(currency)s refunded.")
                    amount = money_text(balance, currency)
                    self.message_user(
                        request, text % {"driver": account.driver, "amount": amount, "currency": currency}
                    )
