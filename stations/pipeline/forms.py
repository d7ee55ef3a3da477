"""Staff forms of the pipeline pages: they parse input into the services' arguments."""

from django import forms
from django.contrib.auth import get_user_model

from stations.models import Connector
from stations.pipeline.models.candidates import CandidateSite


class CandidateForm(forms.ModelForm):
    class Meta:
        model = CandidateSite
        fields = [
            "name",
            "operator",
            "address",
            "city",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "time_zone",
            "landlord_name",
            "landlord_contact",
            "lease_start",
            "lease_years",
            "lease_rent_per_year",
            "currency",
            "grid_capacity_kw",
            "grid_connection_cost",
            "planned_connectors",
            "planned_power_kw",
            "population",
            "daily_traffic",
            "expected_sessions_per_day",
        ]
        widgets = {"lease_start": forms.DateInput(attrs={"type": "date"})}


class StagePlanForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_staff=True), required=False)
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class StationRegisterForm(forms.Form):
    identity = forms.CharField(max_length=48)
    password = forms.CharField(max_length=64, widget=forms.PasswordInput(render_value=False))
    connectors = forms.IntegerField(min_value=1, max_value=8, initial=2)
    standard = forms.ChoiceField(choices=Connector.Standard.choices, initial=Connector.Standard.TYPE_2)
    power_type = forms.ChoiceField(choices=Connector.PowerType.choices, initial=Connector.PowerType.AC_3_PHASE)
    max_power_kw = forms.DecimalField(min_value=3.7, max_value=600, initial=22)

    def connector_list(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "connector_id": number,
                "standard": data["standard"],
                "power_type": data["power_type"],
                "max_power_kw": data["max_power_kw"],
            }
            for number in range(1, data["connectors"] + 1)
        ]
