"""Rules for what a meter reading may be before it counts as energy: a value that is not a
finite number, negative where the quantity cannot be, or beyond any real meter is rejected
as data (kept raw, flagged, never counted); energy beyond what the connector could deliver
in the elapsed time (with a margin, settings SESSION_ENERGY_MARGIN_PERCENT and
SESSION_ENERGY_MARGIN_WH) is implausible. Pure functions: sessions.py applies them."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

ENERGY_REGISTER = "Energy.Active.Import.Register"
# Multipliers into the base unit (Wh, W, varh, var, VA) for units sent in kilo.
KILO_UNITS = {"kWh": "Wh", "kW": "W", "kvarh": "varh", "kvar": "var", "kVA": "VA"}
# A lifetime register of a 600 kW charger running flat out for a century is ~0.5 TWh;
# anything above 1 TWh is not a reading.
ENERGY_REGISTER_MAX_WH = 10**12
# No charge point draws 100 MW (and the session's power column holds less than 10**11 W).
POWER_MAX_W = 10**8
# What MeterSample's decimal columns hold (20 digits, 4 after the point), with room to spare.
STORABLE_MAX = Decimal(10) ** 15
BIGINT_MAX = 2**63 - 1

NEGATIVE = "negative"
NOT_FINITE = "not_finite"
NOT_NUMERIC = "not_numeric"
OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Sample:
    """One sampled value as the charger sent it (protocol-neutral)."""

    sampled_at: datetime
    value: str
    measurand: str = ENERGY_REGISTER
    phase: str = ""
    location: str = ""
    context: str = ""
    value_format: str = ""
    unit: str = ""
    # OCPP 2.0.1 signedMeterValue beside a numeric value: kept as sent, for the driver's proof.
    signed: dict | None = None


@dataclass(frozen=True)
class Reading:
    """A sampled value checked: `value` as sent and `normalized` in the base unit, both
    None when the value is signed data or rejected (then `rejected` says why)."""

    value: Decimal | None
    normalized: Decimal | None
    rejected: str = ""


def reading_check(*, value: str, unit: str, measurand: str, value_format: str = "") -> Reading:
    if value_format == "SignedData":
        return Reading(None, None)
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return Reading(None, None, NOT_NUMERIC)
    if not number.is_finite():
        return Reading(None, None, NOT_FINITE)
    normalized = number * 1000 if unit in KILO_UNITS else number
    if _never_negative(measurand) and normalized < 0:
        return Reading(None, None, NEGATIVE)
    if abs(normalized) >= STORABLE_MAX or normalized > _maximum(measurand):
        return Reading(None, None, OUT_OF_RANGE)
    return Reading(number, normalized)


def register_check(*, wh: int) -> str:
    """Why a meterStart/meterStop register value is rejected, or "" when it is usable."""
    if wh < 0:
        return NEGATIVE
    if wh > ENERGY_REGISTER_MAX_WH:
        return OUT_OF_RANGE
    return ""


def storable_wh(wh: int) -> int:
    """A register value clamped into a BIGINT column (the raw value is kept as text)."""
    return max(-BIGINT_MAX, min(BIGINT_MAX, wh))


def energy_allowed_wh(*, max_power_kw: Decimal | None, elapsed: timedelta) -> int | None:
    """The most energy the connector could deliver in `elapsed`, with the margin; None
    when its power is unknown (then nothing is judged implausible)."""
    if max_power_kw is None:
        return None
    seconds = Decimal(max(elapsed.total_seconds(), 0))
    margin = 1 + Decimal(settings.SESSION_ENERGY_MARGIN_PERCENT) / 100
    return int(Decimal(max_power_kw) * 1000 * seconds / 3600 * margin) + settings.SESSION_ENERGY_MARGIN_WH


def _maximum(measurand: str) -> Decimal:
    if measurand.startswith("Energy."):
        return Decimal(ENERGY_REGISTER_MAX_WH)
    if measurand.startswith("Power."):
        return Decimal(POWER_MAX_W)
    return STORABLE_MAX


def _never_negative(measurand: str) -> bool:
    # Registers, intervals and directional (import/export/offered) power cannot be below 0;
    # a power factor can.
    return measurand.startswith("Energy.") or (measurand.startswith("Power.") and measurand != "Power.Factor")
