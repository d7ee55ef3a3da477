"""Forms for finding stations and acting on them (the account forms are in forms_account.py)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from drivers.selectors_stations import StationQuery
from stations.models import BreakdownReport, Connector

POWER_CHOICES = [
    ("", _("Any power")),
    ("11", _("≥ 11 kW")),
    ("22", _("≥ 22 kW")),
    ("50", _("≥ 50 kW")),
    ("150", _("≥ 150 kW")),
    ("300", _("≥ 300 kW")),
]


class StationSearchForm(forms.Form):
    q = forms.CharField(label=_("Place or address"), required=False, max_length=100)
    standard = forms.ChoiceField(
        label=_("Connector"), required=False, choices=[("", _("Any connector")), *Connector.Standard.choices]
    )
    min_power = forms.TypedChoiceField(
        label=_("Minimum power"), required=False, choices=POWER_CHOICES, coerce=Decimal, empty_value=None
    )
    available = forms.BooleanField(label=_("Available now"), required=False)
    open = forms.BooleanField(label=_("Open now"), required=False)
    lat = forms.DecimalField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.DecimalField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def station_query(self) -> StationQuery:
        data = self.cleaned_data if self.is_valid() else {}
        has_position = data.get("lat") is not None and data.get("lng") is not None
        return StationQuery(
            text=data.get("q", ""),
            standard=data.get("standard", ""),
            min_power_kw=data.get("min_power"),
            available_now=data.get("available", False),
            open_now=data.get("open", False),
            latitude=data["lat"] if has_position else None,
            longitude=data["lng"] if has_position else None,
        )


class ReservationForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label=_("Hold it for"),
        coerce=int,
        choices=[(15, _("15 minutes")), (30, _("30 minutes")), (60, _("1 hour"))],
        initial=30,
    )


class BreakdownReportForm(forms.Form):
    connector = forms.ModelChoiceField(label=_("Which connector?"), queryset=Connector.objects.none(), required=False)
    category = forms.ChoiceField(label=_("What happened?"), choices=BreakdownReport.Category.choices)
    description = forms.CharField(
        label=_("Tell us more"), widget=forms.Textarea(attrs={"rows": 4}), min_length=5, max_length=2000
    )
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connector"].queryset = station.connectors.order_by("connector_id")
        self.fields["connector"].empty_label = _("The whole station / not sure")


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


class SubscribeForm(forms.Form):
    plan = forms.IntegerField(widget=forms.HiddenInput)
