"""Portal forms: vehicles."""

from django import forms
from django.utils.translation import gettext_lazy as _

from drivers.models import Vehicle
from stations.models import Connector


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["make", "model", "license_plate", "battery_kwh", "connector_standard"]
        labels = {
            "make": _("Make"),
            "model": _("Model"),
            "license_plate": _("Licence plate"),
            "battery_kwh": _("Battery (kWh)"),
            "connector_standard": _("Fast-charging inlet"),
        }
        widgets = {"connector_standard": forms.Select(choices=[("", _("Not sure")), *Connector.Standard.choices])}
