"""Portal forms: tickets and breakdown reports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from drivers.models import BreakdownReport, SupportTicket
from stations.models import Connector


class TicketForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=SupportTicket.Topic.choices)
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


class TicketReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


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
