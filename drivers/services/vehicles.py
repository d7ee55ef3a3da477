"""Driver vehicles."""

from drivers.models import Driver, Vehicle


def vehicle_add(*, driver: Driver, make: str, model: str, **fields) -> Vehicle:
    vehicle = Vehicle(driver=driver, make=make, model=model, **fields)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


VEHICLE_FIELDS = ("make", "model", "license_plate", "battery_kwh", "connector_standard")


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
