"""Portal forms: reservations."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReservationForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label=_("Hold it for"),
        coerce=int,
        choices=[(15, _("15 minutes")), (30, _("30 minutes")), (60, _("1 hour"))],
        initial=30,
    )
