"""Regulatory reports built from our status history (ConnectorUptimeDay, segments) and
sessions, with the formulas of formulas.py. Each returns plain rows (dicts) for a page
or a CSV; see docs/operations.md ("Regulatory reports")."""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice, pairwise

from django.conf import settings
from django.db.models import Max, Min, Q

from stations.models import (
    ChargingSession,
    ChargingStation,
    Connector,
    ConnectorUptimeDay,
    MeterSample,
    OutageExclusion,
    StatusChange,
)
from stations.operations.regulatory import formulas
from stations.operations.services.uptime import connector_segments, in_service_from

SIXTY = Decimal(60)
NEVI_SESSION_COLUMNS = (
    "station_id",
    "port_id",
    "session_id",
    "session_start",
    "session_end",
    "successful",
    "error_codes",
    "energy_kwh",
    "peak_power_kw",
    "payment_method",
)
CEC_COLUMNS = (
    "station_id",
    "port_id",
    "interval_start",
    "interval_end",
    "up_seconds",
    "down_seconds",
    "excluded_seconds",
    "unknown_seconds",
    "status",
    "sessions_started",
    "energy_wh",
)

# How a session was paid, as the EMSP side knows it: `source(session_ids)` returns
# {session_id: method}. Drivers registers its token kinds; unknown sessions stay blank.
_payment_method_source: Callable[[list[int]], dict[int, str]] = lambda session_ids: {}  # noqa: E731


def payment_method_source_register(source: Callable[[list[int]], dict[int, str]]) -> None:
    global _payment_method_source
    _payment_method_source = source


def twelve_months_to(month: date) -> tuple[date, date]:
    """The first and last day of the 12 calendar months ending with `month`."""
    first_of_month = month.replace(day=1)
    next_month = (first_of_month + timedelta(days=32)).replace(day=1)
    year, index = divmod(first_of_month.year * 12 + first_of_month.month - 1 - 11, 12)
    return date(year, index + 1, 1), next_month - timedelta(days=1)


def nevi_port_uptime(*, station_ids: Iterable[int], month: date, cap_hours: int | None = None) -> list[dict]:
    """Per port: 23 CFR 680.116(b) uptime over the 12 months ending with `month`, its
    outage and excluded minutes (excluded by cause, with the evidence recorded), and
    whether it is above 97 %. T is the port's minutes in service in the window (525,600
    for a full common year). Scheduled maintenance (preventive work orders and recorded
    announced maintenance) is excused only up to `cap_hours` in the window (default
    NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS; 0: no cap); the rest counts as outage."""
    start, end = twelve_months_to(month)
    rows = ConnectorUptimeDay.objects.filter(station_id__in=list(station_ids), day__gte=start, day__lte=end)
    ports: dict[tuple[int, int], dict] = {}
    for row in rows.select_related("station").order_by("station__identity", "connector_number", "day"):
        port = ports.setdefault(
            (row.station_id, row.connector_number),
            {
                "station_id": row.station.identity,
                "port_id": row.connector_number,
                "in_service": 0,
                "down": 0,
                "excluded": 0,
                "scheduled": 0,
                "by_cause": {},
            },
        )
        port["in_service"] += row.period_seconds - row.unknown_seconds
        port["down"] += row.down_seconds
        port["excluded"] += row.maintenance_seconds + row.excluded_seconds
        causes = {**row.excluded_by_cause}
        if row.maintenance_seconds:
            causes["scheduled_maintenance"] = causes.get("scheduled_maintenance", 0) + row.maintenance_seconds
        for cause, seconds in causes.items():
            port["by_cause"][cause] = port["by_cause"].get(cause, 0) + seconds
        port["scheduled"] += causes.get(OutageExclusion.Cause.SCHEDULED.value, 0)
    cap_hours = settings.NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS if cap_hours is None else cap_hours
    report = []
    for (station_pk, number), port in ports.items():
        outage_minutes = Decimal(port["down"] + port["excluded"]) / SIXTY
        excluded_minutes, over_cap_minutes = formulas.nevi_excluded_minutes(
            scheduled_maintenance_minutes=Decimal(port["scheduled"]) / SIXTY,
            other_excluded_minutes=Decimal(port["excluded"] - port["scheduled"]) / SIXTY,
            scheduled_cap_minutes=Decimal(cap_hours * 60) if cap_hours else None,
        )
        total_minutes = Decimal(port["in_service"]) / SIXTY
        uptime = (
            formulas.nevi_port_uptime(
                outage_minutes=outage_minutes, excluded_minutes=excluded_minutes, total_minutes=total_minutes
            )
            if total_minutes > 0
            else None
        )
        report.append(
            {
                "station_id": port["station_id"],
                "port_id": number,
                "window_start": start,
                "window_end": end,
                "total_minutes": total_minutes.quantize(formulas.HUNDREDTH),
                "outage_minutes": outage_minutes.quantize(formulas.HUNDREDTH),
                "excluded_minutes": excluded_minutes.quantize(formulas.HUNDREDTH),
                "excluded_by_cause": {c: round(Decimal(s) / SIXTY, 2) for c, s in sorted(port["by_cause"].items())},
                "scheduled_maintenance_over_cap_minutes": over_cap_minutes.quantize(formulas.HUNDREDTH),
                "evidence": _evidence(station_pk, number, start, end),
                "uptime_percent": formulas.percent(uptime) if uptime is not None else None,
                "meets_threshold": uptime is not None and formulas.nevi_meets(uptime),
            }
        )
    return report


def _evidence(station_pk: int, number: int, start: date, end: date) -> list[str]:
    rows = OutageExclusion.objects.filter(
        station_id=station_pk,
        connector_number__in=[0, number],
        starts_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
        ends_at__gt=datetime.combine(start, time.min, tzinfo=UTC),
    )
    return [f"{row.cause} {row.starts_at:%Y-%m-%d %H:%M}–{row.ends_at:%Y-%m-%d %H:%M}: {row.evidence}" for row in rows]


def nevi_quarterly_sessions(*, station_ids: Iterable[int], start: datetime, end: datetime) -> list[dict]:
    """23 CFR 680.112 session data for sessions started in [start, end): station and port
    ids, session id, start and end, error codes of an unsuccessful session, energy (kWh),
    peak power (kW) and payment method."""
    sessions = list(
        ChargingSession.objects.filter(station_id__in=list(station_ids), started_at__gte=start, started_at__lt=end)
        .select_related("station")
        .order_by("started_at", "pk")
    )
    ids = [session.pk for session in sessions]
    peaks = dict(
        MeterSample.objects.filter(session_id__in=ids, measurand="Power.Active.Import", rejected="")
        .values("session_id")
        .annotate(peak=Max("normalized_value"))
        .values_list("session_id", "peak")
    )
    methods = _payment_method_source(ids)
    return [
        {
            "station_id": session.station.identity,
            "port_id": session.connector_number,
            "session_id": session.pk,
            "session_start": session.started_at.isoformat(),
            "session_end": session.stopped_at.isoformat() if session.stopped_at else "",
            "successful": _successful(session),
            "error_codes": "" if _successful(session) else _error_codes(session),
            "energy_kwh": (Decimal(session.energy_wh) / 1000).quantize(Decimal("0.001")),
            "peak_power_kw": (peaks[session.pk] / 1000).quantize(Decimal("0.01")) if peaks.get(session.pk) else "",
            "payment_method": methods.get(session.pk, ""),
        }
        for session in sessions
    ]


def _successful(session: ChargingSession) -> bool:
    return session.status == ChargingSession.Status.COMPLETED and session.energy_wh > 0


def _error_codes(session: ChargingSession) -> str:
    if session.auth_status != ChargingSession.AuthStatus.ACCEPTED:
        return session.auth_status
    codes = (
        StatusChange.objects.filter(
            station_id=session.station_id,
            connector_number__in=[0, session.connector_number],
            received_at__gte=session.started_at,
            received_at__lte=session.stopped_at or session.started_at + timedelta(days=1),
        )
        .exclude(error_code__in=["", "NoError"])
        .values_list("error_code", flat=True)
        .distinct()
    )
    return ";".join(sorted(set(codes))) or session.stop_reason or "NoEnergy"


def uk_rapid_reliability(*, station_ids: Iterable[int], year: int, now: datetime | None = None) -> dict:
    """PCPR 2023 reg. 6 for the calendar `year` (up to `now` for the current one): each
    rapid charge point's reliability and the network's average against 99 %. The
    regulations define a charge point as inoperative when *it* cannot charge, so a point
    is down only while every one of its connectors is down; one port faulted beside a
    working one costs it nothing (see charge_point_seconds). Only the days the uptime
    service has computed count (as in the NEVI report)."""
    now = now or datetime.now(UTC)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = min(datetime(year + 1, 1, 1, tzinfo=UTC), now)
    rapid = (
        ChargingStation.objects.filter(pk__in=list(station_ids))
        .annotate(max_kw=Max("connectors__max_power_kw"))
        .filter(max_kw__gte=formulas.UK_RAPID_KW)
        .select_related("site")
        .prefetch_related("site__opening_hours")
    )
    points = []
    for station in rapid.order_by("identity") if start < end else []:
        # The days the uptime service has covered, as the NEVI report reads its rows: time
        # before our history of a station is not invented as down.
        covered = ConnectorUptimeDay.objects.filter(station=station, day__year=year).aggregate(
            first=Min("day"), last=Max("day")
        )
        if covered["first"] is None:
            continue
        totals = charge_point_seconds(
            station=station,
            start=max(start, datetime.combine(covered["first"], time.min, tzinfo=UTC)),
            end=min(end, datetime.combine(covered["last"] + timedelta(days=1), time.min, tzinfo=UTC)),
        )
        if not totals["in_service"]:
            continue
        reliability = formulas.uk_charge_point_reliability(
            period_minutes=Decimal(totals["in_service"]) / SIXTY,
            inoperative_minutes=Decimal(totals["down"] + totals["excluded"]) / SIXTY,
            excluded_minutes=Decimal(totals["excluded"]) / SIXTY,
        )
        points.append({"station_id": station.identity, "max_power_kw": station.max_kw, "reliability": reliability})
    network = formulas.uk_network_reliability([point["reliability"] for point in points])
    for point in points:
        point["reliability_percent"] = formulas.percent(point.pop("reliability"))
    return {
        "year": year,
        "charge_points": points,
        "network_percent": formulas.percent(network) if network is not None else None,
        "meets_threshold": network is not None and formulas.uk_meets(network),
    }


def charge_point_seconds(*, station: ChargingStation, start: datetime, end: datetime) -> dict[str, float]:
    """Seconds of [start, end) the charge point was in service, inoperative (`down`) and
    inoperative for an excluded reason (`excluded`). It is in service while any connector
    is; inoperative while no connector in service is up; and that inoperative time is
    excluded only when no connector is down for an unexcused reason (the cautious
    reading: one port faulted beside one under maintenance counts against the point)."""
    service_start = in_service_from(station=station)
    timelines = [
        connector_segments(
            station_id=station.pk,
            connector_number=number,
            start=start,
            end=end,
            service_start=service_start,
            site=station.site,
        )
        for number in Connector.objects.filter(station=station)
        .order_by("connector_id")
        .values_list("connector_id", flat=True)
    ]
    totals = {"in_service": 0.0, "down": 0.0, "excluded": 0.0}
    boundaries = sorted({moment for segments in timelines for s in segments for moment in (s.start, s.end)})
    cursors = [0] * len(timelines)
    for piece_start, piece_end in pairwise(boundaries):
        states = set()
        for index, segments in enumerate(timelines):
            while cursors[index] < len(segments) and segments[cursors[index]].end <= piece_start:
                cursors[index] += 1
            if cursors[index] < len(segments) and segments[cursors[index]].start <= piece_start:
                states.add(segments[cursors[index]].state)
        states.discard("unknown")
        if not states:
            continue
        seconds = (piece_end - piece_start).total_seconds()
        totals["in_service"] += seconds
        if "up" in states:
            continue
        if "down" in states:
            totals["down"] += seconds
        else:
            totals["excluded"] += seconds
    return totals


def cec_interval_rows(*, station_ids: Iterable[int], start: datetime, end: datetime) -> list[dict]:
    """Per port and 15-minute interval in [start, end): seconds up, down, excluded (with
    planned maintenance) and unknown, the interval's status, sessions started and energy
    delivered (each session's energy prorated over its duration)."""
    rows = []
    intervals = formulas.cec_intervals(start, end)
    stations = ChargingStation.objects.filter(pk__in=list(station_ids)).select_related("site")
    for station in stations.prefetch_related("site__opening_hours").order_by("identity"):
        service_start = in_service_from(station=station)
        for connector in Connector.objects.filter(station=station).order_by("connector_id"):
            segments = connector_segments(
                station_id=station.pk,
                connector_number=connector.connector_id,
                start=intervals[0][0] if intervals else start,
                end=intervals[-1][1] if intervals else end,
                service_start=service_start,
                site=station.site,
            )
            sessions = list(
                ChargingSession.objects.filter(
                    station=station, connector_number=connector.connector_id, started_at__lt=end
                ).filter(Q(stopped_at__isnull=True) | Q(stopped_at__gt=start))
            )
            energy, started = _sessions_by_interval(sessions, intervals)
            first_segment = 0
            for index, (interval_start, interval_end) in enumerate(intervals):
                # Segments and intervals are both in time order: skip the segments that
                # ended before this interval instead of rescanning them all.
                while first_segment < len(segments) and segments[first_segment].end <= interval_start:
                    first_segment += 1
                seconds = _interval_seconds(islice(segments, first_segment, None), interval_start, interval_end)
                rows.append(
                    _cec_row(station, connector, interval_start, interval_end, seconds, started[index], energy[index])
                )
    return rows


def _sessions_by_interval(sessions, intervals) -> tuple[list[int], list[int]]:
    """Energy (prorated) and sessions started per interval, each session visiting only
    the intervals it overlaps."""
    energy, started = [0] * len(intervals), [0] * len(intervals)
    if not intervals:
        return energy, started
    origin, width = intervals[0][0], formulas.CEC_INTERVAL
    for session in sessions:
        end = session.stopped_at or session.last_meter_at or session.started_at
        start_index = (session.started_at - origin) // width  # floor, also before the origin
        if 0 <= start_index < len(intervals):
            started[start_index] += 1
        for index in range(max(0, start_index), min(len(intervals) - 1, (end - origin) // width) + 1):
            energy[index] += formulas.prorate_wh(
                energy_wh=session.energy_wh,
                start=session.started_at,
                end=end,
                within_start=intervals[index][0],
                within_end=intervals[index][1],
            )
    return energy, started


def _interval_seconds(segments, interval_start, interval_end) -> dict[str, float]:
    seconds = {"up": 0.0, "down": 0.0, "excluded": 0.0, "unknown": 0.0}
    for segment in segments:
        if segment.start >= interval_end:
            break
        overlap = (min(segment.end, interval_end) - max(segment.start, interval_start)).total_seconds()
        if overlap > 0:
            key = "excluded" if segment.state == "maintenance" else segment.state
            seconds[key] += overlap
    return seconds


def _cec_row(station, connector, interval_start, interval_end, seconds, sessions_started, energy_wh) -> dict:
    return {
        "station_id": station.identity,
        "port_id": connector.connector_id,
        "interval_start": interval_start.isoformat(),
        "interval_end": interval_end.isoformat(),
        **{f"{key}_seconds": round(value) for key, value in seconds.items()},
        "status": formulas.cec_interval_status(
            up_seconds=seconds["up"], down_seconds=seconds["down"], excluded_seconds=seconds["excluded"]
        ),
        "sessions_started": sessions_started,
        "energy_wh": energy_wh,
    }
