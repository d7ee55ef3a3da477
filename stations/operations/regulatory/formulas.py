"""The regulators' formulas, in one place, each written from the rule's text.

- US NEVI, 23 CFR 680.116(b): per charging port, over the previous 12 months, computed
  monthly: μ = ((525,600 − (T_outage − T_excluded)) ÷ 525,600) × 100, where 525,600 is
  the minutes of a year, T_outage the port's outage minutes and T_excluded those outage
  minutes caused by excluded events (utility service interruptions, the vehicle's fault,
  scheduled maintenance, vandalism, natural disasters, hours outside operation). Each
  port must be up *more than* 97 % of the time.
- UK Public Charge Point Regulations 2023, regulation 6: a network's rapid charge points
  (50 kW or more) must be reliable at least 99 % of the time on average over a calendar
  year; a charge point's reliability is its operational time over the year's time,
  where time inoperative for excluded reasons is not counted against it.
- California CEC: reliability data reported in 15-minute intervals per port.
- EU AFIR, Art. 5(3): at recharging points of 50 kW or more the ad hoc price is based on
  the price per kWh (checks in afir.py).

Pure functions: minutes and seconds in, Decimal percentages out; no database."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

NEVI_YEAR_MINUTES = 525_600
NEVI_THRESHOLD = Decimal(97)
UK_RAPID_KW = Decimal(50)
UK_THRESHOLD = Decimal(99)
AFIR_PER_KWH_FROM_KW = Decimal(50)
CEC_INTERVAL = timedelta(minutes=15)
HUNDREDTH = Decimal("0.01")


def percent(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, ROUND_HALF_UP)


def nevi_port_uptime(
    *, outage_minutes: Decimal, excluded_minutes: Decimal, total_minutes: Decimal | int = NEVI_YEAR_MINUTES
) -> Decimal:
    """μ in percent, unrounded. `total_minutes` is 525,600 for a port in service all year;
    for a port in service part of the window, the minutes it was in service. Raises
    ValueError if the excluded minutes exceed the outage or the outage the period."""
    outage, excluded = Decimal(outage_minutes), Decimal(excluded_minutes)
    if total_minutes <= 0:
        raise ValueError("the period must have minutes")
    if not 0 <= excluded <= outage <= total_minutes:
        raise ValueError("need 0 ≤ excluded ≤ outage ≤ total minutes")
    return (Decimal(total_minutes) - (outage - excluded)) / Decimal(total_minutes) * 100


def nevi_excluded_minutes(
    *, scheduled_maintenance_minutes: Decimal, other_excluded_minutes: Decimal, scheduled_cap_minutes: Decimal | None
) -> tuple[Decimal, Decimal]:
    """T_excluded with scheduled maintenance held within its limit: (excluded minutes,
    scheduled maintenance minutes over the cap). The minutes over the cap stay in
    T_outage but are no longer excused; `scheduled_cap_minutes` None means no cap."""
    scheduled, other = Decimal(scheduled_maintenance_minutes), Decimal(other_excluded_minutes)
    if scheduled < 0 or other < 0 or (scheduled_cap_minutes is not None and scheduled_cap_minutes < 0):
        raise ValueError("minutes cannot be negative")
    allowed = scheduled if scheduled_cap_minutes is None else min(scheduled, Decimal(scheduled_cap_minutes))
    return other + allowed, scheduled - allowed


def nevi_meets(uptime_percent: Decimal) -> bool:
    """The rule asks for more than 97 %: exactly 97 % fails."""
    return uptime_percent > NEVI_THRESHOLD


def uk_charge_point_reliability(
    *, period_minutes: Decimal, inoperative_minutes: Decimal, excluded_minutes: Decimal
) -> Decimal:
    """Operational share of the period in percent, unrounded; inoperative time for an
    excluded reason does not count against the charge point."""
    period, inoperative, excluded = Decimal(period_minutes), Decimal(inoperative_minutes), Decimal(excluded_minutes)
    if period <= 0 or not 0 <= excluded <= inoperative <= period:
        raise ValueError("need 0 ≤ excluded ≤ inoperative ≤ period, period > 0")
    return (period - (inoperative - excluded)) / period * 100


def uk_network_reliability(charge_point_percents: list[Decimal]) -> Decimal | None:
    """The average of the network's rapid charge points' reliability; None without any."""
    if not charge_point_percents:
        return None
    return sum(charge_point_percents, Decimal(0)) / len(charge_point_percents)


def uk_is_rapid(max_power_kw: Decimal) -> bool:
    return Decimal(max_power_kw) >= UK_RAPID_KW


def uk_meets(reliability_percent: Decimal) -> bool:
    """At least 99 %: exactly 99 % complies."""
    return reliability_percent >= UK_THRESHOLD


def afir_needs_price_per_kwh(max_power_kw: Decimal) -> bool:
    """AFIR Art. 5(3): at 50 kW or more the ad hoc price is based on a price per kWh."""
    return Decimal(max_power_kw) >= AFIR_PER_KWH_FROM_KW


def cec_intervals(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The 15-minute intervals covering [start, end), aligned to the quarter hour."""
    first = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    intervals, cursor = [], first
    while cursor < end:
        intervals.append((cursor, cursor + CEC_INTERVAL))
        cursor += CEC_INTERVAL
    return intervals


def cec_interval_status(*, up_seconds: float, down_seconds: float, excluded_seconds: float) -> str:
    """An interval is `down` if the port was down for any part of it that is not
    excluded, `excluded` if all its down time was excluded, else `up` (or `unknown`
    when it was not in service at all)."""
    if down_seconds > 0:
        return "down"
    if excluded_seconds > 0:
        return "excluded"
    return "up" if up_seconds > 0 else "unknown"


def prorate_wh(*, energy_wh: int, start: datetime, end: datetime, within_start: datetime, within_end: datetime) -> int:
    """A session's energy counted into an interval in proportion to their overlap (our
    meter samples are too sparse to split it better)."""
    overlap = (min(end, within_end) - max(start, within_start)).total_seconds()
    duration = (end - start).total_seconds()
    if overlap <= 0 or duration <= 0:
        return 0
    return round(energy_wh * overlap / duration)
