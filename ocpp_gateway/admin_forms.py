"""Admin forms for sending OCPP commands: the parameter form of each action is built
from that action's OCPP JSON schema, so every CSMS→charger action gets a form without
hand-written code per action, and `commands.raw_send` validates the result once more."""

from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from ocpp.messages import get_validator

from ocpp_gateway.protocols.base import Protocol


class ActionChoiceForm(forms.Form):
    action = forms.ChoiceField(label=_("OCPP action"))

    def __init__(self, *args, protocol: Protocol, **kwargs):
        super().__init__(*args, **kwargs)
        # No preselected action: a raw frame is sent only when staff chose one on purpose.
        self.fields["action"].choices = [("", _("— choose an action —"))] + [
            (action, action) for action in sorted(protocol.csms_actions)
        ]


class CommandParametersForm(forms.Form):
    """Base of the generated forms; `payload()` gives the OCPP payload (camelCase)."""

    def payload(self) -> dict:
        payload = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = float(value)
            payload[name] = value
        return payload


# Fields the platform assigns itself (a ReserveNow's id is its Reservation's primary key).
ASSIGNED_FIELDS = {"ReserveNow": {"reservationId"}}


def parameters_form_class(*, protocol: Protocol, action: str) -> type[CommandParametersForm]:
    schema = get_validator(2, action, protocol.ocpp_version).schema
    required = set(schema.get("required", []))
    assigned = ASSIGNED_FIELDS.get(action, set())
    fields = {
        name: _field(_resolved(spec, schema), required=name in required, version=protocol.ocpp_version)
        for name, spec in schema.get("properties", {}).items()
        if name not in assigned
    }
    return type(f"{action}ParametersForm", (CommandParametersForm,), fields)


def _resolved(spec: dict, schema: dict) -> dict:
    """2.0.1 and 2.1 schemas name their enums and objects in `definitions`."""
    reference = spec.get("$ref", "")
    if reference.startswith("#/definitions/"):
        return schema.get("definitions", {}).get(reference.removeprefix("#/definitions/"), spec)
    return spec


def _field(spec: dict, *, required: bool, version: str = "1.6") -> forms.Field:
    kind = spec.get("type")
    if "enum" in spec:
        choices = [(value, value) for value in spec["enum"]]
        return forms.ChoiceField(choices=choices if required else [("", "—"), *choices], required=required)
    if kind == "integer":
        return forms.IntegerField(required=required)
    if kind == "number":
        return forms.DecimalField(required=required, decimal_places=1)
    if kind == "boolean":
        return forms.NullBooleanField(required=False)
    if kind == "string" and spec.get("format") == "date-time":
        return forms.DateTimeField(required=required, help_text=_("UTC, e.g. 2026-11-24 18:00"))
    if kind == "string":
        return forms.CharField(required=required, max_length=spec.get("maxLength"))
    return forms.JSONField(
        required=required, help_text=_("JSON, as in the OCPP %(version)s specification.") % {"version": version}
    )
