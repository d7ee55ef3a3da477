"""Writes for a station's OCPP 2.0.1 device model (ocpp_gateway.models.DeviceVariable):
what NotifyReport describes, and what Get/SetVariables confirm. Keys are as the charger
sends them after the gateway's snake_case conversion (component, variable, evse, …)."""

from datetime import datetime

from ocpp_gateway.models import DeviceVariable

UPDATE_FIELDS = ["value", "mutability", "persistent", "constant", "characteristics", "updated_at"]


def _key(*, station_id: int, component: dict, variable: dict, attribute_type: str) -> dict:
    evse = component.get("evse") or {}
    return {
        "station_id": station_id,
        "component": component["name"],
        "component_instance": component.get("instance") or "",
        "evse_id": evse.get("id") or 0,
        "connector_id": evse.get("connector_id") or 0,
        "variable": variable["name"],
        "variable_instance": variable.get("instance") or "",
        "attribute_type": attribute_type or "Actual",
    }


def report_store(*, station_id: int, report_data: list[dict], at: datetime) -> int:
    """Upsert every attribute of every variable a NotifyReport part describes. Idempotent;
    returns how many attributes were stored."""
    rows = []
    for item in report_data:
        characteristics = item.get("variable_characteristics")
        for attribute in item.get("variable_attribute") or []:
            rows.append(
                DeviceVariable(
                    **_key(
                        station_id=station_id,
                        component=item["component"],
                        variable=item["variable"],
                        attribute_type=attribute.get("type"),
                    ),
                    value=attribute.get("value"),
                    mutability=attribute.get("mutability") or "",
                    persistent=attribute.get("persistent"),
                    constant=attribute.get("constant"),
                    characteristics=characteristics,
                    updated_at=at,
                )
            )
    DeviceVariable.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=[
            "station",
            "component",
            "component_instance",
            "evse_id",
            "connector_id",
            "variable",
            "variable_instance",
            "attribute_type",
        ],
        update_fields=UPDATE_FIELDS,
    )
    return len(rows)


def value_confirm(
    *, station_id: int, component: dict, variable: dict, attribute_type: str | None, value: str | None, at: datetime
) -> None:
    """A value the station reported (GetVariables) or accepted (SetVariables)."""
    DeviceVariable.objects.update_or_create(
        **_key(station_id=station_id, component=component, variable=variable, attribute_type=attribute_type or ""),
        defaults={"value": value, "updated_at": at},
    )
