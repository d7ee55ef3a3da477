"""The pricing engine's inputs and outputs (billing.pricing): a tariff in OCPI 2.2.1 form, a
session's usage as segments (and its reservation), and the priced periods and totals. Plain
frozen dataclasses, free of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from billing.money import ZERO

ENERGY, TIME, PARKING_TIME, FLAT = "ENERGY", "TIME", "PARKING_TIME", "FLAT"
DIMENSIONS = (FLAT, ENERGY, TIME, PARKING_TIME)
RESERVATION, RESERVATION_EXPIRES = "RESERVATION", "RESERVATION_EXPIRES"
RESERVATION_TYPES = (RESERVATION, RESERVATION_EXPIRES)
# A reservation's costs are kept apart from the session's (OCPI CDR total_reservation_cost).
RESERVATION_FLAT, RESERVATION_TIME = "RESERVATION_FLAT", "RESERVATION_TIME"
PRICED_DIMENSIONS = (*DIMENSIONS, RESERVATION_FLAT, RESERVATION_TIME)
OCPI_CDR, PER_DIMENSION = "OCPI_CDR", "PER_DIMENSION"
# Sum of phase currents follows from power at the nominal phase voltage; used for the
# current restrictions when the charger reports no Current.Import.
NOMINAL_PHASE_VOLTAGE = Decimal("230")


class TariffError(ValueError):
    """A tariff that cannot price anything (raised before any money is computed)."""


@dataclass(frozen=True)
class Component:
    dimension: str
    price: Decimal  # excl. VAT, per kWh / per hour / per session
    vat_rate: Decimal | None  # percent; None = no VAT applicable
    step_size: int = 1


@dataclass(frozen=True)
class Restrictions:
    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None  # exclusive
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None  # kW
    max_power: Decimal | None = None  # kW
    min_duration: int | None = None  # seconds, inclusive
    max_duration: int | None = None  # seconds, exclusive
    days_of_week: tuple[int, ...] = ()  # 0 = Monday
    reservation: str | None = None  # RESERVATION or RESERVATION_EXPIRES


@dataclass(frozen=True)
class Element:
    components: tuple[Component, ...]
    restrictions: Restrictions = field(default_factory=Restrictions)


@dataclass(frozen=True)
class TariffSpec:
    currency: str
    elements: tuple[Element, ...]
    min_price_excl: Decimal | None = None
    min_price_incl: Decimal | None = None
    max_price_excl: Decimal | None = None
    max_price_incl: Decimal | None = None
    time_step_rounding: str = OCPI_CDR


@dataclass(frozen=True)
class Segment:
    """A stretch of the session with one state: energy delivered in it (Wh), whether the EV
    was charging, and its power (kW) if known (else energy/duration is used)."""

    start: datetime
    end: datetime
    energy_wh: Decimal
    charging: bool
    power_kw: Decimal | None = None
    current_a: Decimal | None = None

    @property
    def seconds(self) -> Decimal:
        return Decimal(str((self.end - self.start).total_seconds()))

    def effective_power_kw(self) -> Decimal:
        if self.power_kw is not None:
            return self.power_kw
        if self.seconds <= 0:
            return ZERO
        return self.energy_wh / self.seconds * Decimal("3.6")  # Wh/s → kW

    def effective_current_a(self) -> Decimal:
        if self.current_a is not None:
            return self.current_a
        return self.effective_power_kw() * 1000 / NOMINAL_PHASE_VOLTAGE

    def split(self, at: datetime) -> tuple[Segment, Segment]:
        share = Decimal(str((at - self.start).total_seconds())) / self.seconds
        first_energy = self.energy_wh * share
        return (
            Segment(self.start, at, first_energy, self.charging, self.power_kw, self.current_a),
            Segment(at, self.end, self.energy_wh - first_energy, self.charging, self.power_kw, self.current_a),
        )


@dataclass(frozen=True)
class Reservation:
    """From when the reservation was made until charging started on it, or until it
    expired unused (`expired`; then there is no charging session to price)."""

    start: datetime
    end: datetime
    expired: bool = False


@dataclass(frozen=True)
class Usage:
    started_at: datetime
    segments: tuple[Segment, ...]
    time_zone: str = "UTC"
    reservation: Reservation | None = None

    @property
    def stopped_at(self) -> datetime:
        return self.segments[-1].end if self.segments else self.started_at


@dataclass
class Period:
    """One priced piece: which component of which element priced how much of a dimension."""

    start: datetime
    end: datetime
    dimension: str
    element_index: int
    component: Component
    volume: Decimal  # Wh for ENERGY, seconds for times, 1 for FLAT
    amount: Decimal = ZERO  # exact, excl. VAT

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "dimension": self.dimension,
            "element": self.element_index,
            "price": str(self.component.price),
            "vat_rate": None if self.component.vat_rate is None else str(self.component.vat_rate),
            "step_size": self.component.step_size,
            "volume": str(self.volume),
            "amount": str(self.amount),
        }


@dataclass
class PriceResult:
    currency: str
    periods: list[Period]
    dimension_amounts: dict[str, Decimal]  # exact, excl. VAT, after step rounding
    billed_volumes: dict[str, Decimal]
    total_excl_vat: Decimal  # rounded
    total_incl_vat: Decimal  # rounded
    vat_breakdown: list[dict]  # [{"rate", "base", "vat"}], rounded, sums to the totals
    energy_wh: int
    charging_seconds: int
    parking_seconds: int
    price_limit: str = ""  # "", "min_price" or "max_price"
    reservation_seconds: int = 0

    @property
    def total_vat(self) -> Decimal:
        return self.total_incl_vat - self.total_excl_vat
