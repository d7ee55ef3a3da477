"""Driver self-service writes the API needs beyond drivers.services: renaming a token,
changing and removing vehicles."""

from drivers.models import Token, Vehicle

VEHICLE_FIELDS = ("make", "model", "license_plate", "battery_kwh", "connector_standard")


def token_relabel(*, token: Token, label: str) -> Token:
    token.label = label
    token.full_clean()
    token.save(update_fields=["label"])
    return token


def vehicle_update(*, vehicle: Vehicle, **fields) -> Vehicle:
    """Raises ValidationError for invalid values and TypeError for fields that are not the driver's to set."""
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"not vehicle fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(vehicle, name, value)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


def vehicle_remove(*, vehicle: Vehicle) -> None:
    vehicle.delete()
