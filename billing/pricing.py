"""OCPI 2.2.1 tariff arithmetic, free of the database: a tariff and a session's usage in,
a priced breakdown out. The services build the inputs from models and store the result.

The rules, in the words of the spec (mod_tariffs, mod_cdrs) and where it is ambiguous,
ours (docs/billing.md explains each choice):
- per dimension, the first element (in order) that prices it and whose restrictions
  match at that moment applies; no match means that dimension is free;
- restrictions are checked continuously: the usage is cut at every instant a restriction
  can flip (time-of-day and date boundaries in the site's zone, duration and kWh
  thresholds) and each piece is judged at its middle, which makes DST changes correct;
- `step_size` rounds the session total of a dimension up, once, with the step of the last
  component used; the extra is billed at that component's price. For TIME and
  PARKING_TIME the default (OCPI_CDR) rounds them once between them: PARKING_TIME when
  any parking was priced, else TIME. PER_DIMENSION rounds each on its own;
- FLAT is charged once, from the first element with FLAT matching at the start; its
  step_size means nothing (the spec's own free-of-charge example has 0);
- a reservation is priced on its own, before the session: only elements restricted to
  RESERVATION (and, for a reservation that expired unused, RESERVATION_EXPIRES ones first)
  price it, with FLAT and TIME only; elements with a reservation restriction never price
  the charging session itself;
- totals are computed exactly, then min_price/max_price bound the excl. and incl. VAT
  totals independently, then both are rounded once (billing.money).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.money import ZERO, allocate, money_round
from billing.tariff_shapes import (  # noqa: F401  (re-exported: billing.pricing is the engine's one name)
    DIMENSIONS,
    ENERGY,
    FLAT,
    NOMINAL_PHASE_VOLTAGE,
    OCPI_CDR,
    PARKING_TIME,
    PER_DIMENSION,
    PRICED_DIMENSIONS,
    RESERVATION,
    RESERVATION_EXPIRES,
    RESERVATION_FLAT,
    RESERVATION_TIME,
    RESERVATION_TYPES,
    TIME,
    Component,
    Element,
    Period,
    PriceResult,
    Reservation,
    Restrictions,
    Segment,
    TariffError,
    TariffSpec,
    Usage,
)


def tariff_validate(tariff: TariffSpec) -> None:
    """Raise TariffError for a tariff that cannot be applied as written."""
    if not tariff.elements:
        raise TariffError("A tariff needs at least one element.")
    for index, element in enumerate(tariff.elements):
        if not element.components:
            raise TariffError(f"Element {index + 1} has no price components.")
        for component in element.components:
            if component.dimension not in DIMENSIONS:
                raise TariffError(f"Unknown dimension {component.dimension!r}.")
            if component.price < 0:
                raise TariffError(f"Element {index + 1}: a price cannot be negative.")
            if component.step_size < (0 if component.dimension == FLAT else 1):
                raise TariffError(f"Element {index + 1}: step_size must be at least 1 (0 allowed for FLAT).")
            if component.vat_rate is not None and not (0 <= component.vat_rate <= 100):
                raise TariffError(f"Element {index + 1}: VAT rate must be between 0 and 100 percent.")
        _reservation_validate(index, element)
    for low, high, name in (
        (tariff.min_price_excl, tariff.max_price_excl, "excl. VAT"),
        (tariff.min_price_incl, tariff.max_price_incl, "incl. VAT"),
    ):
        if low is not None and high is not None and low > high:
            raise TariffError(f"min_price ({name}) is above max_price.")


def _reservation_validate(index: int, element: Element) -> None:
    kind = element.restrictions.reservation
    if kind is None:
        return
    if kind not in RESERVATION_TYPES:
        raise TariffError(f"Element {index + 1}: unknown reservation restriction {kind!r}.")
    for component in element.components:
        if component.dimension not in (FLAT, TIME):
            # mod_tariffs: "A reservation can only have: FLAT and TIME TariffDimensions".
            raise TariffError(f"Element {index + 1}: a reservation element prices only FLAT and TIME.")


def price_session(*, tariff: TariffSpec, usage: Usage) -> PriceResult:
    """Price `usage` (and its reservation, if any) under `tariff`. Pure and deterministic;
    raises TariffError."""
    tariff_validate(tariff)
    zone = ZoneInfo(usage.time_zone)
    periods: list[Period] = []
    if usage.reservation is not None:
        periods += _reservation_periods(tariff, usage, zone)
    if usage.reservation is None or not usage.reservation.expired:
        periods += _charging_periods(tariff, usage, zone)
    elif usage.segments:
        raise TariffError("An expired reservation has no charging session to price.")
    extra = _step_rounding(tariff, periods)
    amounts = dict.fromkeys(PRICED_DIMENSIONS, ZERO)
    volumes = dict.fromkeys(PRICED_DIMENSIONS, ZERO)
    for period in periods:
        period.amount = _amount(period.component, period.volume)
        amounts[period.dimension] += period.amount
        volumes[period.dimension] += period.volume
    for dimension, (component, volume) in extra.items():
        amounts[dimension] += _amount(component, volume)
        volumes[dimension] += volume
        periods[_last_index(periods, dimension)].amount += _amount(component, volume)
    return _totals(tariff, usage, periods, amounts, volumes)


def _charging_periods(tariff: TariffSpec, usage: Usage, zone: ZoneInfo) -> list[Period]:
    periods: list[Period] = []
    flat = _flat_period(tariff, usage, zone)
    if flat:
        periods.append(flat)
    energy_so_far = ZERO
    open_by_dimension: dict[str, Period] = {}
    for piece in _pieces(tariff, usage, zone):
        for period in _price_piece(tariff, usage, piece, energy_so_far, zone):
            _append_merged(periods, open_by_dimension, period)
        energy_so_far += piece.energy_wh
    return periods


def _append_merged(periods: list[Period], open_by_dimension: dict[str, Period], period: Period) -> None:
    current = open_by_dimension.get(period.dimension)
    if (
        current
        and current.end == period.start
        and (current.element_index, current.component) == (period.element_index, period.component)
    ):
        # Same price straight on: one period, as an OCPI charging period would be.
        current.end, current.volume = period.end, current.volume + period.volume
    else:
        periods.append(period)
        open_by_dimension[period.dimension] = period


def _reservation_periods(tariff: TariffSpec, usage: Usage, zone: ZoneInfo) -> list[Period]:
    """The reservation's FLAT (judged when it was made) and its TIME (cut and judged like
    charging time, durations counted from when it was made)."""
    reservation = usage.reservation
    phase = RESERVATION_EXPIRES if reservation.expired else RESERVATION
    periods: list[Period] = []
    flat = _first_match(
        tariff,
        FLAT,
        phase=phase,
        moment_local=reservation.start.astimezone(zone),
        energy_wh=ZERO,
        elapsed_s=ZERO,
        piece=None,
    )
    if flat is not None:
        periods.append(Period(reservation.start, reservation.start, RESERVATION_FLAT, flat[0], flat[1], Decimal(1)))
    if reservation.end <= reservation.start:
        return periods
    held = Usage(reservation.start, (Segment(reservation.start, reservation.end, ZERO, True),), usage.time_zone)
    open_by_dimension: dict[str, Period] = {}
    for piece in _pieces(tariff, held, zone):
        middle = piece.start + (piece.end - piece.start) / 2
        match = _first_match(
            tariff,
            TIME,
            phase=phase,
            moment_local=middle.astimezone(zone),
            energy_wh=ZERO,
            elapsed_s=Decimal(str((middle - reservation.start).total_seconds())),
            piece=None,
        )
        if match is not None:
            period = Period(piece.start, piece.end, RESERVATION_TIME, match[0], match[1], piece.seconds)
            _append_merged(periods, open_by_dimension, period)
    return periods


# --- cutting the usage into pieces with constant restriction outcomes --------------------


def _pieces(tariff: TariffSpec, usage: Usage, zone: ZoneInfo) -> Iterator[Segment]:
    energy_before = ZERO
    for segment in usage.segments:
        if segment.end <= segment.start:
            # A charger clock that stood still or went backwards: no time to bill, but the
            # energy is real, so it is priced as of the segment's start, still cut at the
            # kWh thresholds it crosses.
            yield from _zero_length_pieces(tariff, segment, energy_before)
            energy_before += segment.energy_wh
            continue
        cuts = sorted(
            at for at in _cut_points(tariff, usage, segment, energy_before, zone) if segment.start < at < segment.end
        )
        rest = segment
        for at in cuts:
            if rest.start < at < rest.end:
                piece, rest = rest.split(at)
                yield piece
        yield rest
        energy_before += segment.energy_wh


def _zero_length_pieces(tariff: TariffSpec, segment: Segment, energy_before: Decimal) -> Iterator[Segment]:
    thresholds = sorted(
        {
            kwh * 1000 - energy_before
            for element in tariff.elements
            for kwh in (element.restrictions.min_kwh, element.restrictions.max_kwh)
            if kwh is not None and 0 < kwh * 1000 - energy_before < segment.energy_wh
        }
    )
    done = ZERO
    for upto in [*thresholds, segment.energy_wh]:
        if upto > done:
            yield Segment(segment.start, segment.start, upto - done, segment.charging, segment.power_kw)
        done = upto


def _cut_points(
    tariff: TariffSpec, usage: Usage, segment: Segment, energy_before: Decimal, zone: ZoneInfo
) -> Iterator[datetime]:
    restrictions = [element.restrictions for element in tariff.elements]
    local_day = segment.start.astimezone(zone).date() - timedelta(days=1)
    last_day = segment.end.astimezone(zone).date() + timedelta(days=1)
    times_of_day = {time(0, 0)}
    for r in restrictions:
        times_of_day.update(t for t in (r.start_time, r.end_time) if t is not None)
    while local_day <= last_day:
        for moment in times_of_day:
            yield datetime.combine(local_day, moment, tzinfo=zone).astimezone(segment.start.tzinfo)
        local_day += timedelta(days=1)
    for r in restrictions:
        for seconds in (r.min_duration, r.max_duration):
            if seconds is not None:
                yield usage.started_at + timedelta(seconds=seconds)
        for kwh in (r.min_kwh, r.max_kwh):
            if kwh is not None and segment.energy_wh > 0:
                needed_wh = kwh * 1000 - energy_before
                if 0 < needed_wh < segment.energy_wh:
                    fraction = needed_wh / segment.energy_wh
                    yield segment.start + timedelta(seconds=float(fraction * segment.seconds))


# --- restriction matching ------------------------------------------------------------------


def _matches(r: Restrictions, *, moment_local: datetime, energy_wh: Decimal, elapsed_s: Decimal, piece) -> bool:
    if r.days_of_week and moment_local.weekday() not in r.days_of_week:
        return False
    if not _time_of_day_matches(r, moment_local.time()):
        return False
    if r.start_date and moment_local.date() < r.start_date:
        return False
    if r.end_date and moment_local.date() >= r.end_date:
        return False
    kwh = energy_wh / 1000
    if (r.min_kwh is not None and kwh < r.min_kwh) or (r.max_kwh is not None and kwh >= r.max_kwh):
        return False
    if (r.min_duration is not None and elapsed_s < r.min_duration) or (
        r.max_duration is not None and elapsed_s >= r.max_duration
    ):
        return False
    if piece is not None and (r.min_power is not None or r.max_power is not None):
        power = piece.effective_power_kw()
        if (r.min_power is not None and power < r.min_power) or (r.max_power is not None and power >= r.max_power):
            return False
    if piece is not None and (r.min_current is not None or r.max_current is not None):
        current = piece.effective_current_a()
        if (r.min_current is not None and current < r.min_current) or (
            r.max_current is not None and current >= r.max_current
        ):
            return False
    return True


def _time_of_day_matches(r: Restrictions, moment: time) -> bool:
    if r.start_time is None and r.end_time is None:
        return True
    start = r.start_time or time(0, 0)
    end = r.end_time
    if end is None:
        return moment >= start
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # wraps past midnight, e.g. 22:00–06:00


def _first_match(
    tariff: TariffSpec, dimension: str, *, phase: str | None = None, **context
) -> tuple[int, Component] | None:
    for index, element in _candidates(tariff, phase):
        component = next((c for c in element.components if c.dimension == dimension), None)
        if component is not None and _matches(element.restrictions, **context):
            return index, component
    return None


def _candidates(tariff: TariffSpec, phase: str | None) -> list[tuple[int, Element]]:
    """The elements that may price this phase, in the order they are tried: the session
    (phase None) only unreserved ones; a reservation RESERVATION ones; an expired one
    RESERVATION_EXPIRES ones first, then RESERVATION ones (mod_tariffs: the expired time
    is priced by the RESERVATION_EXPIRES element when both have TIME)."""
    indexed = list(enumerate(tariff.elements))
    if phase is None:
        return [(i, e) for i, e in indexed if e.restrictions.reservation is None]
    if phase == RESERVATION:
        return [(i, e) for i, e in indexed if e.restrictions.reservation == RESERVATION]
    return [(i, e) for i, e in indexed if e.restrictions.reservation == RESERVATION_EXPIRES] + [
        (i, e) for i, e in indexed if e.restrictions.reservation == RESERVATION
    ]


def _flat_period(tariff: TariffSpec, usage: Usage, zone: ZoneInfo) -> Period | None:
    first = usage.segments[0] if usage.segments else None
    match = _first_match(
        tariff,
        FLAT,
        moment_local=usage.started_at.astimezone(zone),
        energy_wh=ZERO,
        elapsed_s=ZERO,
        piece=first,
    )
    if match is None:
        return None
    return Period(usage.started_at, usage.started_at, FLAT, match[0], match[1], Decimal(1))


def _price_piece(
    tariff: TariffSpec, usage: Usage, piece: Segment, energy_before: Decimal, zone: ZoneInfo
) -> list[Period]:
    middle = piece.start + (piece.end - piece.start) / 2
    context = {
        "moment_local": middle.astimezone(zone),
        "energy_wh": energy_before + piece.energy_wh / 2,
        "elapsed_s": Decimal(str((middle - usage.started_at).total_seconds())),
        "piece": piece,
    }
    wanted = [(ENERGY, piece.energy_wh)] if piece.energy_wh > 0 else []
    wanted.append((TIME, piece.seconds) if piece.charging else (PARKING_TIME, piece.seconds))
    periods = []
    for dimension, volume in wanted:
        match = _first_match(tariff, dimension, **context)
        if match is not None and volume > 0:
            periods.append(Period(piece.start, piece.end, dimension, match[0], match[1], volume))
    return periods


# --- step_size ---------------------------------------------------------------------------


def _step_rounding(tariff: TariffSpec, periods: list[Period]) -> dict[str, tuple[Component, Decimal]]:
    """Extra volume per dimension that step rounding adds, priced at the last component."""
    rounded = [ENERGY, RESERVATION_TIME]
    priced_parking = any(p.dimension == PARKING_TIME for p in periods)
    if tariff.time_step_rounding == PER_DIMENSION:
        rounded += [TIME, PARKING_TIME]
    else:
        rounded.append(PARKING_TIME if priced_parking else TIME)
    extra = {}
    for dimension in rounded:
        used = [p for p in periods if p.dimension == dimension]
        if not used:
            continue
        total = sum((p.volume for p in used), ZERO)
        step = Decimal(used[-1].component.step_size)
        billed = Decimal(math.ceil(total / step)) * step
        if billed > total:
            extra[dimension] = (used[-1].component, billed - total)
    return extra


def _last_index(periods: list[Period], dimension: str) -> int:
    return max(i for i, p in enumerate(periods) if p.dimension == dimension)


def _amount(component: Component, volume: Decimal) -> Decimal:
    if component.dimension == ENERGY:
        return component.price * volume / 1000
    if component.dimension in (TIME, PARKING_TIME):
        return component.price * volume / 3600
    return component.price


# --- totals, limits, VAT ---------------------------------------------------------------------


def _totals(tariff, usage, periods, amounts, volumes) -> PriceResult:
    currency = tariff.currency
    base_by_rate: dict[Decimal, Decimal] = {}
    for period in periods:
        rate = period.component.vat_rate or ZERO
        base_by_rate[rate] = base_by_rate.get(rate, ZERO) + period.amount
    exact_excl = sum(base_by_rate.values(), ZERO)
    exact_vat = {rate: base * rate / 100 for rate, base in base_by_rate.items()}
    exact_incl = exact_excl + sum(exact_vat.values(), ZERO)
    excl, incl, limit = _apply_limits(tariff, exact_excl, exact_incl)
    total_excl, total_incl = money_round(excl, currency), money_round(incl, currency)
    rates = sorted(base_by_rate) or [_implied_rate(total_excl, total_incl)]
    bases = allocate(total_excl, [base_by_rate.get(r, ZERO) for r in rates], currency)
    vats = allocate(total_incl - total_excl, [exact_vat.get(r, ZERO) for r in rates], currency)
    breakdown = [
        {"rate": str(rate), "base": str(base), "vat": str(vat)}
        for rate, base, vat in zip(rates, bases, vats, strict=True)
    ]
    charging_s = sum((max(s.seconds, ZERO) for s in usage.segments if s.charging), ZERO)
    parking_s = sum((max(s.seconds, ZERO) for s in usage.segments if not s.charging), ZERO)
    return PriceResult(
        currency=currency,
        periods=periods,
        dimension_amounts=amounts,
        billed_volumes=volumes,
        total_excl_vat=total_excl,
        total_incl_vat=total_incl,
        vat_breakdown=breakdown,
        energy_wh=int(sum((s.energy_wh for s in usage.segments), ZERO).to_integral_value()),
        charging_seconds=int(charging_s),
        parking_seconds=int(parking_s),
        price_limit=limit,
        reservation_seconds=_reservation_seconds(usage.reservation),
    )


def _reservation_seconds(reservation: Reservation | None) -> int:
    if reservation is None or reservation.end <= reservation.start:
        return 0
    return int((reservation.end - reservation.start).total_seconds())


def _apply_limits(tariff: TariffSpec, excl: Decimal, incl: Decimal) -> tuple[Decimal, Decimal, str]:
    limit = ""
    if tariff.min_price_excl is not None and excl < tariff.min_price_excl:
        excl, limit = tariff.min_price_excl, "min_price"
    if tariff.min_price_incl is not None and incl < tariff.min_price_incl:
        incl, limit = tariff.min_price_incl, "min_price"
    if tariff.max_price_excl is not None and excl > tariff.max_price_excl:
        excl, limit = tariff.max_price_excl, "max_price"
    if tariff.max_price_incl is not None and incl > tariff.max_price_incl:
        incl, limit = tariff.max_price_incl, "max_price"
    # A limit set only on one side must not leave incl. below excl.
    return excl, max(incl, excl), limit


def _implied_rate(excl: Decimal, incl: Decimal) -> Decimal:
    if excl == 0:
        return ZERO
    return ((incl / excl - 1) * 100).quantize(Decimal("0.01"))
