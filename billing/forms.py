"""Portal forms: top-up, card setup, membership."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class TopUpForm(forms.Form):
    amount = forms.TypedChoiceField(
        label=_("Amount"),
        coerce=Decimal,
        choices=[("10", "10"), ("20", "20"), ("50", "50"), ("100", "100")],
        initial="20",
    )
    # One key per rendered form: submitting the same form twice charges once.
    key = forms.UUIDField(widget=forms.HiddenInput)


class CardSetupForm(forms.Form):
    # One key per rendered form: submitting it twice opens one SetupIntent at Stripe.
    key = forms.UUIDField(widget=forms.HiddenInput)


class SepaSetupForm(forms.Form):
    # One key per rendered form, like the card's; the box is the driver's acceptance of the mandate.
    key = forms.UUIDField(widget=forms.HiddenInput)
    accept = forms.BooleanField(label=_("I accept the direct debit mandate above."))


class SubscribeForm(forms.Form):
    plan = forms.IntegerField(widget=forms.HiddenInput)


class PayAsYouGoForm(forms.Form):
    """The pay-as-you-go page's form: the card itself is typed into Stripe's field, which
    hands us only its PaymentMethod id."""

    connector = forms.TypedChoiceField(label=_("Connector"), coerce=int)
    email = forms.EmailField(
        label=_("E-mail for the receipt (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    payment_method = forms.RegexField(regex=r"^pm_[A-Za-z0-9_]{1,60}$", widget=forms.HiddenInput)
    # One key per rendered form: submitting the same form twice holds and starts once.
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, connectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connector"].choices = [
            (c.connector_id, f"{c.connector_id} · {c.get_standard_display()} · {c.max_power_kw:g} kW")
            for c in connectors
        ]
        if len(connectors) == 1:
            self.fields["connector"].widget = forms.HiddenInput()
            self.fields["connector"].initial = connectors[0].connector_id
