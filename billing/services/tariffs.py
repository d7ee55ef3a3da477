"""Tariffs: creating them from an OCPI-shaped description, and turning a stored tariff
into the pure pricing engine's input (and a JSON snapshot for the CDR)."""

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from billing import pricing, signals
from billing.models import PriceComponent, Tariff, TariffElement

DAY_NAMES = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
RESTRICTION_FIELDS = [
    "start_time", "end_time", "start_date", "end_date", "min_kwh", "max_kwh", "min_current", "max_current",
    "min_power", "max_power", "min_duration", "max_duration",
]  # fmt: skip
# The OCPI 2.2.1 names an imported tariff may use; anything else is refused by name, since
# dropping a restriction we do not know would price the element as if unrestricted.
ELEMENT_KEYS = {"price_components", "restrictions"}
COMPONENT_KEYS = {"type", "price", "vat", "step_size"}
RESTRICTION_KEYS = {*RESTRICTION_FIELDS, "day_of_week", "reservation"}


@transaction.atomic
def tariff_create(
    *, operator, name: str, currency: str, valid_from: datetime, elements: list[dict], **fields
) -> Tariff:
    """Create a tariff with its elements. `elements` follow OCPI 2.2.1: {"price_components":
    [{"type", "price", "vat", "step_size"}], "restrictions": {..., "day_of_week": [...],
    "reservation": "RESERVATION" | "RESERVATION_EXPIRES"}}.

    Raises ValidationError (nothing is saved) for a negative or non-numeric price, an
    unknown dimension, a bad step size or VAT rate, a currency that is not the operator's,
    an empty element list, or a key OCPI 2.2.1 does not define (named in the message)."""
    tariff = Tariff(operator=operator, name=name, currency=currency, valid_from=valid_from, **fields)
    tariff.full_clean()
    if not elements:
        raise ValidationError({"elements": "A tariff needs at least one element."})
    for position, element_data in enumerate(elements):
        _refuse_unknown_keys(element_data, position)
    tariff.save()
    for position, element_data in enumerate(elements):
        element = TariffElement(
            tariff=tariff, position=position, **_restrictions(element_data.get("restrictions") or {})
        )
        element.full_clean()
        element.save()
        components = element_data.get("price_components") or []
        if not components:
            raise ValidationError({"elements": f"Element {position + 1} has no price components."})
        for data in components:
            component = PriceComponent(
                element=element,
                dimension=data.get("type"),
                price=_decimal(data.get("price"), "price"),
                vat_rate=None if data.get("vat") is None else _decimal(data["vat"], "vat"),
                step_size=data.get("step_size", 1),
            )
            component.full_clean()
            component.save()
    try:
        pricing.tariff_validate(tariff_spec(tariff=tariff))
    except pricing.TariffError as error:
        raise ValidationError(str(error)) from error
    signals.tariff_created_send(tariff.pk)
    return tariff


def tariff_spec(*, tariff: Tariff) -> pricing.TariffSpec:
    """The pricing engine's view of a stored tariff (elements and components in order)."""
    elements = []
    for element in tariff.elements.all():
        components = tuple(
            pricing.Component(c.dimension, c.price, c.vat_rate, c.step_size) for c in element.components.all()
        )
        restrictions = pricing.Restrictions(
            **{name: getattr(element, name) for name in RESTRICTION_FIELDS},
            days_of_week=tuple(element.days_of_week or ()),
            reservation=element.reservation or None,
        )
        elements.append(pricing.Element(components, restrictions))
    return pricing.TariffSpec(
        currency=tariff.currency,
        elements=tuple(elements),
        min_price_excl=tariff.min_price_excl_vat,
        min_price_incl=tariff.min_price_incl_vat,
        max_price_excl=tariff.max_price_excl_vat,
        max_price_incl=tariff.max_price_incl_vat,
        time_step_rounding=tariff.time_step_rounding,
    )


def ocpi_tariff_spec(*, data: dict, markup_percent: Decimal = Decimal(0)) -> pricing.TariffSpec:
    """The pricing engine's view of an OCPI 2.2.1 Tariff object (a partner's, as received):
    every element with its restrictions, the min/max prices, with each price and bound
    raised by `markup_percent`. Raises TariffError for a tariff that cannot be read or
    applied as written (the engine's own validation)."""
    factor = 1 + Decimal(markup_percent) / 100
    try:
        elements = tuple(
            pricing.Element(
                tuple(
                    pricing.Component(
                        c["type"],
                        _decimal(c["price"], "price") * factor,
                        None if c.get("vat") is None else _decimal(c["vat"], "vat"),
                        int(c.get("step_size", 1)),
                    )
                    for c in element.get("price_components") or []
                ),
                _spec_restrictions(element.get("restrictions") or {}),
            )
            for element in data.get("elements") or []
        )
        spec = pricing.TariffSpec(
            currency=data["currency"],
            elements=elements,
            min_price_excl=_bound(data, "min_price", "excl_vat", factor),
            min_price_incl=_bound(data, "min_price", "incl_vat", factor),
            max_price_excl=_bound(data, "max_price", "excl_vat", factor),
            max_price_incl=_bound(data, "max_price", "incl_vat", factor),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise pricing.TariffError(f"Unreadable tariff: {error}") from error
    pricing.tariff_validate(spec)
    return spec


def _bound(data: dict, name: str, part: str, factor: Decimal) -> Decimal | None:
    value = (data.get(name) or {}).get(part)
    return None if value is None else _decimal(value, name) * factor


def _spec_restrictions(data: dict) -> pricing.Restrictions:
    values = {}
    for name in RESTRICTION_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if name.endswith("_time"):
            value = time.fromisoformat(value)
        elif name.endswith("_date"):
            value = date.fromisoformat(value)
        elif name.endswith("_duration"):
            value = int(value)
        else:
            value = _decimal(value, name)
        values[name] = value
    days = tuple(DAY_NAMES.index(day) for day in data.get("day_of_week") or [])
    return pricing.Restrictions(**values, days_of_week=days, reservation=data.get("reservation"))


def tariff_snapshot(*, tariff: Tariff) -> dict:
    """The tariff as applied, in OCPI shape, for the CDR (tariffs may change later)."""

    def text(value):
        return None if value is None else str(value)

    return {
        "id": tariff.pk,
        "name": tariff.name,
        "currency": tariff.currency,
        "time_step_rounding": tariff.time_step_rounding,
        "min_price": {"excl_vat": text(tariff.min_price_excl_vat), "incl_vat": text(tariff.min_price_incl_vat)},
        "max_price": {"excl_vat": text(tariff.max_price_excl_vat), "incl_vat": text(tariff.max_price_incl_vat)},
        "elements": [
            {
                "price_components": [
                    {"type": c.dimension, "price": str(c.price), "vat": text(c.vat_rate), "step_size": c.step_size}
                    for c in element.components.all()
                ],
                "restrictions": {
                    **{
                        name: text(getattr(element, name))
                        for name in RESTRICTION_FIELDS
                        if getattr(element, name) is not None
                    },
                    **({"day_of_week": [DAY_NAMES[d] for d in element.days_of_week]} if element.days_of_week else {}),
                    **({"reservation": element.reservation} if element.reservation else {}),
                },
            }
            for element in tariff.elements.all()
        ],
    }


def _refuse_unknown_keys(element: dict, position: int) -> None:
    where = f"Element {position + 1}"
    if not isinstance(element, dict):
        raise ValidationError({"elements": f"{where} is not an object."})
    _refuse(set(element) - ELEMENT_KEYS, where)
    _refuse(set(element.get("restrictions") or {}) - RESTRICTION_KEYS, f"{where} restrictions")
    for index, component in enumerate(element.get("price_components") or []):
        if not isinstance(component, dict):
            raise ValidationError({"elements": f"{where} price component {index + 1} is not an object."})
        _refuse(set(component) - COMPONENT_KEYS, f"{where} price component {index + 1}")


def _refuse(unknown: set, where: str) -> None:
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise ValidationError({"elements": f"{where}: unknown field(s) {names} (not in OCPI 2.2.1)."})


def _restrictions(data: dict) -> dict:
    values = {}
    for name in RESTRICTION_FIELDS:
        if data.get(name) is None:
            continue
        value = data[name]
        if name.endswith("_time") and isinstance(value, str):
            value = time.fromisoformat(value)
        values[name] = value
    if data.get("reservation") is not None:
        values["reservation"] = data["reservation"]
    days = data.get("day_of_week") or []
    try:
        values["days_of_week"] = [DAY_NAMES.index(day) if isinstance(day, str) else day for day in days]
    except ValueError:
        raise ValidationError({"day_of_week": f"Unknown day in {days}."}) from None
    return values


def _decimal(value, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValidationError({name: f"{name} must be a number, not {value!r}."}) from None
    if not number.is_finite():
        raise ValidationError({name: f"{name} must be a finite number."})
    if number < 0:
        raise ValidationError({name: f"{name} cannot be negative."})
    return number
