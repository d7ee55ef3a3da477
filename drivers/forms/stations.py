"""Portal forms: station search."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from drivers.selectors.stations import StationQuery
from stations.models import Connector

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
