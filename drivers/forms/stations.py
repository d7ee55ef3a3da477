"""Portal forms: station search."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from stations.models import Connector
from stations.selectors.locations import DEFAULT_RADIUS_KM, LocationQuery

POWER_CHOICES = [
    ("", _("Any power")),
    ("11", _("≥ 11 kW")),
    ("22", _("≥ 22 kW")),
    ("50", _("≥ 50 kW")),
    ("150", _("≥ 150 kW")),
    ("300", _("≥ 300 kW")),
]

RADIUS_CHOICES = [
    (5, _("within 5 km")),
    (10, _("within 10 km")),
    (25, _("within 25 km")),
    (50, _("within 50 km")),
    (100, _("within 100 km")),
    (500, _("within 500 km")),
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
    radius = forms.TypedChoiceField(
        label=_("Distance from you"),
        required=False,
        choices=RADIUS_CHOICES,
        coerce=int,
        empty_value=DEFAULT_RADIUS_KM,
        initial=DEFAULT_RADIUS_KM,
    )
    lat = forms.DecimalField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.DecimalField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def station_query(self) -> LocationQuery:
        """The search as the API's `locations/` would ask it (same selector, same rules)."""
        data = self.cleaned_data if self.is_valid() else {}
        has_position = data.get("lat") is not None and data.get("lng") is not None
        return LocationQuery(
            text=data.get("q", ""),
            near=(float(data["lat"]), float(data["lng"])) if has_position else None,
            radius_km=data.get("radius") or DEFAULT_RADIUS_KM,
            connector_standard=data.get("standard", ""),
            min_power_kw=data.get("min_power"),
            available=data.get("available", False),
            open_now=data.get("open", False),
        )
