"""Which tariff applies, and what a session used (the pricing engine's input)."""

import itertools
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from billing import pricing
from billing.models import Tariff
from stations.models import ChargingSession, MeterSample, StatusChange

ENERGY_REGISTER = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
# Connector states in which the EV is plugged in but not drawing energy (idle/parking).
IDLE_STATES = {"SuspendedEV", "SuspendedEVSE", "Finishing"}


def tariff_in_force(*, station, connector=None, at: datetime, plan=None) -> Tariff | None:
    """The tariff valid at `at` for this connector/station/site: the most specific target
    wins; at the same target a member tariff of `plan` beats the public one; then the most
    recently started. None when nothing is attached."""
    target = Q(station=station)
    if connector is not None:
        target |= Q(connector=connector)
    if station.site_id:
        target |= Q(site_id=station.site_id)
    audience = Q(membership_plan__isnull=True)
    if plan is not None:
        audience |= Q(membership_plan=plan)
    valid = Q(valid_from__lte=at) & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))
    candidates = Tariff.objects.filter(target & audience & valid).prefetch_related("elements__components")
    return tariff_choose(candidates=candidates, at=at, plan=plan)


def tariff_choose(*, candidates, at: datetime, plan=None) -> Tariff | None:
    """The rule of tariff_in_force over tariffs already loaded for the session's targets."""

    def applies(tariff: Tariff) -> bool:
        audience_ok = tariff.membership_plan_id is None or (plan is not None and tariff.membership_plan_id == plan.pk)
        return audience_ok and tariff.valid_from <= at and (tariff.valid_until is None or tariff.valid_until > at)

    def rank(tariff: Tariff):
        specificity = 0 if tariff.connector_id else 1 if tariff.station_id else 2
        return (specificity, 0 if tariff.membership_plan_id else 1, -tariff.valid_from.timestamp(), -tariff.pk)

    return min((t for t in candidates if applies(t)), key=rank, default=None)


def session_usage(*, session: ChargingSession, until: datetime | None = None, time_zone: str = "UTC") -> pricing.Usage:
    """What the session used, as segments of charging or idle time with their energy.

    Energy comes from the meter register samples (normalised Wh); a stretch in which the
    register does not move is idle (parking). Without samples, the connector's status
    history tells charging from idle and the session's energy is spread over the charging
    time. If the samples disagree with the session's total energy (meter reset), the total
    wins and is spread the same way."""
    end = until or session.stopped_at
    samples = MeterSample.objects.filter(
        session=session,
        normalized_value__isnull=False,
        measurand__in=[ENERGY_REGISTER, POWER],
        sampled_at__gt=session.started_at,
        sampled_at__lte=end,
    ).values_list("measurand", "phase", "sampled_at", "normalized_value")
    return usage_from_rows(
        session=session,
        samples=list(samples),
        status_rows=lambda: status_rows_for(session, end),
        end=end,
        time_zone=time_zone,
    )


def usage_from_rows(*, session, samples, status_rows, end: datetime, time_zone: str) -> pricing.Usage:
    """session_usage over rows already loaded: samples as (measurand, phase, sampled_at,
    normalized_value); status_rows a callable giving (received_at, charger_timestamp,
    status) rows, only called when the samples cannot tell charging from idle."""
    total_wh = Decimal(session.energy_wh if session.stopped_at else _running_energy_wh(session))
    energy = [(at, value) for measurand, _, at, value in samples if measurand == ENERGY_REGISTER and at < end]
    power = [(at, value) for measurand, phase, at, value in samples if measurand == POWER and not phase]
    points = _energy_points(session, end, energy)
    if len(points) > 2 and sum(b - a for (_, a), (_, b) in itertools.pairwise(points)) == total_wh:
        segments = [
            pricing.Segment(t0, t1, Decimal(max(e1 - e0, 0)), e1 > e0, _average_power_kw(power, t0, t1))
            for (t0, e0), (t1, e1) in itertools.pairwise(points)
            if t1 > t0
        ]
    else:
        segments = _segments_from_status(session, end, total_wh, status_rows())
    return pricing.Usage(session.started_at, tuple(segments), time_zone)


def _running_energy_wh(session: ChargingSession) -> int:
    if session.last_meter_wh is None or "meter_start_rejected" in session.flags:
        # Without a usable meterStart, only what the session counted is energy.
        return session.energy_wh
    return max(session.last_meter_wh - session.meter_start_wh, 0)


def _energy_points(session: ChargingSession, end: datetime, samples) -> list[tuple[datetime, Decimal]]:
    points = [(session.started_at, Decimal(session.meter_start_wh))]
    for sampled_at, value in sorted(samples, key=lambda row: row[0]):
        points.append((sampled_at, max(Decimal(value), points[-1][1])))
    stop_wh = session.meter_stop_wh if session.stopped_at else session.last_meter_wh
    points.append((end, max(Decimal(stop_wh if stop_wh is not None else points[-1][1]), points[-1][1])))
    return points


def _average_power_kw(power, start: datetime, end: datetime) -> Decimal | None:
    inside = [value for at, value in power if start < at <= end]
    if not inside:
        return None
    return sum(inside, Decimal(0)) / len(inside) / 1000


def status_rows_for(session: ChargingSession, end: datetime) -> list[tuple]:
    return list(
        StatusChange.objects.filter(
            station_id=session.station_id,
            connector_number=session.connector_number,
            received_at__gt=session.started_at,
            received_at__lt=end,
        ).values_list("received_at", "charger_timestamp", "status")
    )


def status_rows_by_connector(sessions: list[ChargingSession]) -> dict[tuple[int, int], list[tuple]]:
    """status_rows_for for a batch of stopped sessions in one query: every status change
    of their connectors between the earliest start and the latest stop, by (station id,
    connector number), in received order; callers cut out each session's window."""
    if not sessions:
        return {}
    rows = (
        StatusChange.objects.filter(
            station_id__in={s.station_id for s in sessions},
            received_at__gt=min(s.started_at for s in sessions),
            received_at__lt=max(s.stopped_at for s in sessions),
        )
        .order_by("received_at", "id")
        .values_list("station_id", "connector_number", "received_at", "charger_timestamp", "status")
    )
    by_connector: dict[tuple[int, int], list[tuple]] = {}
    for station_id, connector_number, *row in rows:
        by_connector.setdefault((station_id, connector_number), []).append(tuple(row))
    return by_connector


def _segments_from_status(session: ChargingSession, end: datetime, total_wh: Decimal, changes) -> list[pricing.Segment]:
    stretches, at, charging = [], session.started_at, True
    for received_at, charger_timestamp, status in changes:
        moment = min(max(charger_timestamp or received_at, at), end)
        if moment > at:
            stretches.append((at, moment, charging))
        at, charging = moment, status not in IDLE_STATES
    if end > at:
        stretches.append((at, end, charging))
    if not stretches:
        return [pricing.Segment(session.started_at, end, total_wh, True)]
    charging_seconds = sum((t1 - t0).total_seconds() for t0, t1, c in stretches if c)
    if charging_seconds == 0:
        stretches = [(t0, t1, True) for t0, t1, _ in stretches]
        charging_seconds = sum((t1 - t0).total_seconds() for t0, t1, _ in stretches)
    return [
        pricing.Segment(
            t0, t1, total_wh * Decimal(str((t1 - t0).total_seconds() / charging_seconds)) if c else Decimal(0), c
        )
        for t0, t1, c in stretches
    ]
