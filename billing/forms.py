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
